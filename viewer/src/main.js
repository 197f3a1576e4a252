// The viewer's entry: ours, small. Stock Neuroglancer (neuroglancer.js) and our session module
// (session.js) are separate chunks, so what we add is measurable in dist (tests/viewer).
// Our service worker (sw.js) renews refused cookies and retries the chunk. It only sees the
// fetches of Neuroglancer's workers if it controls the page before they start, so on the first
// visit Neuroglancer waits for `controllerchange` (bounded: without a worker it still runs).
async function underServiceWorker() {
  const sw = navigator.serviceWorker;
  if (!sw) return;
  try {
    await sw.register("./sw.js", { scope: "./" });
    if (!sw.controller) {
      await new Promise((ready) => {
        sw.addEventListener("controllerchange", ready, { once: true });
        setTimeout(ready, 3000);
      });
    }
  } catch (error) {
    console.warn("LINC: no service worker; refused data will show the banner only", error);
  }
}

await underServiceWorker();
await import("./neuroglancer.js");
(await import("./session.js")).startSession();
