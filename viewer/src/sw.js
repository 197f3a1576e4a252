// LINC viewer service worker: keeps data flowing across cookie renewals.
// Contract: controls the viewer's pages (scope: the folder of index.html) and the workers they
// start, so it sees Neuroglancer's chunk fetches. It answers nothing itself: navigations,
// non-GET requests, other origins and everything under /_auth/ pass straight to the network
// (the edge function must see every page load). For other same-origin GETs it returns the
// network's answer, except when CloudFront itself refused the signed cookies (403 XML naming
// MissingKey or AccessDenied without an S3 RequestId; S3's own 403 always has one): then one
// POST /_auth/refresh, shared by all refused requests in flight and serialized with the tabs'
// renewals by the Web Lock LOCK, and one retry. When renewal fails it posts {linc: "ended",
// status, reason} to its pages (they show the banner) and returns the refusal; a renewal is
// posted as {linc: "renewed", user, expires}.
const AUTH = "/_auth/";
const LOCK = "linc-refresh";
const QUIET_MS = 30000; // after a failed renewal, refusals only re-tell the pages for this long
let refreshing = null; // the one renewal in flight
let renewedAt = -1; // performance.now() when the last renewal succeeded
let endedAt = -Infinity;

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (e) => e.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (e) => {
  const r = e.request;
  const url = new URL(r.url);
  // A page load may follow a new sign-in: renewals may be tried again.
  if (r.mode === "navigate") endedAt = -Infinity;
  if (r.method !== "GET" || r.mode === "navigate" || url.origin !== location.origin) return;
  if (url.pathname.startsWith(AUTH)) return;
  e.respondWith(data(r));
});

async function data(request) {
  const sent = performance.now();
  const answer = await fetch(request);
  if (!(await refusedByCloudFront(answer))) return answer;
  // A renewal that finished after this request left: its cookies were old, just retry.
  if (renewedAt < sent && !(await renew())) return answer;
  return fetch(request);
}

async function refusedByCloudFront(answer) {
  if (answer.status !== 403) return false;
  const body = await answer.clone().text();
  return /<Code>(MissingKey|AccessDenied)<\/Code>/.test(body) && !body.includes("<RequestId>");
}

function renew() {
  if (performance.now() - endedAt < QUIET_MS) {
    tell({ linc: "ended", status: 401 });
    return Promise.resolve(false);
  }
  // One renewal at a time across this worker and every tab (session.js takes the same lock):
  // the archive rotates the refresh token, so a second renewal must send the first's cookie.
  const post = () => fetch(AUTH + "refresh", { method: "POST", credentials: "same-origin" });
  refreshing ||= (navigator.locks?.request(LOCK, post) ?? post())
    .then(async (r) => {
      const body = await r.json().catch(() => ({}));
      if (r.ok) renewedAt = performance.now();
      else endedAt = performance.now();
      tell({ ...body, linc: r.ok ? "renewed" : "ended", status: r.status });
      return r.ok;
    })
    .catch(() => {
      tell({ linc: "ended", status: 0 });
      return false;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

async function tell(message) {
  for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage(message);
}
