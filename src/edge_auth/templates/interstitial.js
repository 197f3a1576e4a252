(function () {
  var fragmentKey = {{session_storage_key}};
  var attemptsKey = {{attempts_storage_key}};
  var storage = null;
  var now = Date.now();
  var recent = [];
  try {
    storage = window.sessionStorage;
    recent = JSON.parse(storage.getItem(attemptsKey) || '[]').filter(function (t) {
      return typeof t === 'number' && now - t < {{attempt_window_ms}};
    });
  } catch (e) {
    recent = [];
  }

  // Keep the viewer state (the fragment) for the callback page, or drop a stale one.
  function save() {
    try {
      if (location.hash.length > 1) {
        storage.setItem(fragmentKey, location.hash);
      } else {
        storage.removeItem(fragmentKey);
      }
    } catch (e) {}
  }

  document.getElementById('retry').addEventListener('click', function () {
    try {
      storage.removeItem(attemptsKey);
    } catch (e) {}
    save();
  });

  // Several quick returns here mean the cookies never stick: explain instead of looping.
  if (recent.length >= {{max_attempts}}) {
    document.getElementById('go').hidden = true;
    document.getElementById('loop').hidden = false;
    return;
  }
  try {
    recent.push(now);
    storage.setItem(attemptsKey, JSON.stringify(recent));
  } catch (e) {}
  save();
  location.replace(document.documentElement.getAttribute('data-login'));
})();
