(function () {
  var fragmentKey = {{session_storage_key}};
  var fragment = '';
  // Read once and remove: the saved viewer state belongs to this one sign-in.
  try {
    var storage = window.sessionStorage;
    fragment = storage.getItem(fragmentKey) || '';
    storage.removeItem(fragmentKey);
  } catch (e) {
    fragment = '';
  }
  if (fragment.charAt(0) !== '#') {
    fragment = '';
  }
  location.replace(document.documentElement.getAttribute('data-return') + fragment);
})();
