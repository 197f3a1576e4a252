// Mirrors neuroglancer's stock entry (lib/main.bundle.js + lib/main.js) through
// the package's public "./unstable/*.js" export. The side-effect imports register
// the layer types, data sources and kvstores; CSS comes in with the modules.
// Loaded by main.js (ours) once our service worker controls the page.
import "neuroglancer/unstable/util/polyfills.js";
import "neuroglancer/unstable/layer/enabled_frontend_modules.js";
import "neuroglancer/unstable/datasource/enabled_frontend_modules.js";
import "neuroglancer/unstable/kvstore/enabled_frontend_modules.js";
import { setupDefaultViewer } from "neuroglancer/unstable/ui/default_viewer_setup.js";

// The stock main.js also imports util/google_tag_manager.js; it is a no-op unless
// a tag-manager id is defined at build time, and we want no tracker, so it is left out.
setupDefaultViewer();
