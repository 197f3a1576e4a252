// Mirrors neuroglancer's stock entry (lib/main.bundle.js + lib/main.js) through
// the package's public "./unstable/*.js" export. The side-effect imports register
// the layer types, data sources and kvstores; CSS comes in with the modules.
import "neuroglancer/unstable/util/polyfills.js";
import "neuroglancer/unstable/layer/enabled_frontend_modules.js";
import "neuroglancer/unstable/datasource/enabled_frontend_modules.js";
import "neuroglancer/unstable/kvstore/enabled_frontend_modules.js";
import { setupDefaultViewer } from "neuroglancer/unstable/ui/default_viewer_setup.js";

// Our service worker (public/sw.js) renews refused cookies and retries the chunk. It only sees
// the fetches of Neuroglancer's workers if it controls the page before they start, so on the
// first visit Neuroglancer waits for `controllerchange` (bounded: without a worker it still runs).
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
    console.warn("LINC: no service worker, refused data will show the banner only", error);
  }
}

// The stock main.js also imports util/google_tag_manager.js; it is a no-op unless
// a tag-manager id is defined at build time, and we want no tracker, so it is left out.
await underServiceWorker();
setupDefaultViewer();
// Its own small chunk, so its size is measurable (tests/viewer); one request per page load.
import("./session.js").then((session) => session.startSession());
