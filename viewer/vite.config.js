// Builds stock Neuroglancer as a static site that works from any path.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig, transformWithEsbuild } from "vite";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

// Neuroglancer writes `new Worker(/* webpackChunkName: "..." */ new URL(...), ...)`.
// Vite only recognises `new Worker(new URL(..., import.meta.url))` with nothing in
// between, so without this the two module workers are silently left out of dist.
// Must run before Vite's worker plugin (enforce: "pre"), in the main build and
// inside worker bundles (a worker could spawn workers too).
function stripWebpackChunkNames() {
  return {
    name: "strip-webpack-chunk-names",
    enforce: "pre",
    transform(code, id) {
      if (!id.includes("neuroglancer") || !code.includes("webpackChunkName")) return null;
      return { code: code.replace(/\/\*\s*webpackChunkName:[^*]*\*\/\s*/g, ""), map: null };
    },
  };
}

// ikonate@1.1.1 from the registry (see "overrides" in package.json) lacks three
// icons that neuroglancer imports as `?raw`; serve our own drawings instead.
// A regex, because a string alias does not match when a `?raw` query follows.
const missingIcons = ["code-alt", "controls-alt", "layers"].map((name) => ({
  find: new RegExp(`^ikonate/icons/${name}\\.svg(?=\\?|$)`),
  replacement: here(`./icons/${name}.svg`),
}));

// Our service worker must sit beside index.html under a fixed name (its scope is its folder),
// so it cannot be a hashed bundle: src/sw.js is minified and emitted as dist/sw.js.
function serviceWorker() {
  const source = here("./src/sw.js");
  return {
    name: "linc-service-worker",
    async generateBundle() {
      const { code } = await transformWithEsbuild(readFileSync(source, "utf8"), source, {
        minify: true,
        target: "es2022",
      });
      this.emitFile({ type: "asset", fileName: "sw.js", source: code });
    },
  };
}

export default defineConfig({
  base: "./", // relative asset URLs: the site can be served under any path
  plugins: [stripWebpackChunkNames(), serviceWorker()],
  resolve: { alias: missingIcons },
  worker: {
    format: "es", // neuroglancer's workers are `{ type: "module" }` and code-split
    plugins: () => [stripWebpackChunkNames()],
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 8192,
    // Every browser that runs this ES2022 build preloads modules natively; the polyfill would
    // only add bytes to our small entry chunk.
    modulePreload: { polyfill: false },
  },
});
