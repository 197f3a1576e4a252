// Runs the interstitial's inline script (argv[2]) against a minimal DOM, several page loads in a
// row sharing one sessionStorage, as a tab would. Prints what happened as JSON.
const script = require("fs").readFileSync(process.argv[2], "utf8");
const scenario = JSON.parse(require("fs").readFileSync(0, "utf8"));
const store = new Map(scenario.storage || []);
const loads = [];
for (const hash of scenario.hashes) {
  const replaced = [];
  const elements = {
    go: { hidden: false },
    loop: { hidden: true },
    retry: { addEventListener: (type, fn) => { elements.retry.click = fn; } },
  };
  global.window = {
    sessionStorage: {
      getItem: (k) => (store.has(k) ? store.get(k) : null),
      setItem: (k, v) => store.set(k, String(v)),
      removeItem: (k) => store.delete(k),
    },
  };
  global.location = { hash, replace: (u) => replaced.push(u) };
  global.document = {
    documentElement: { getAttribute: (n) => (n === "data-login" ? scenario.login : null) },
    getElementById: (id) => elements[id],
  };
  new Function(script)();
  let retried = false;
  if (!elements.loop.hidden && scenario.clickRetry) { elements.retry.click(); retried = true; }
  loads.push({ replaced, loopShown: !elements.loop.hidden, goHidden: elements.go.hidden, retried });
}
console.log(JSON.stringify({ loads, storage: Object.fromEntries(store) }));
