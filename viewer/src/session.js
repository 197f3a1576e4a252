// LINC session module: keeps the CloudFront cookies fresh while the viewer stays open, and says
// so when they cannot be renewed. Loaded beside stock Neuroglancer (no Neuroglancer code touched).
// Contract: `startSession()` learns {user, expires} from GET /_auth/session, renews with
// POST /_auth/refresh at expires - min(300 s, a third of the time left), when the tab becomes
// visible again past that time, and when the network comes back; one renewal at a time across
// tabs and sw.js (Web Lock LOCK), skipped when GET /_auth/session shows a later expiry. 503 or
// no network keeps the cookies: it retries every 30 s until they expire. 401/403 (signed out,
// not approved), or an "ended" message from the service worker (sw.js), shows a non-blocking
// banner, "Your LINC session has ended", whose "Sign in again" saves the CURRENT location.hash
// where the edge interstitial saves it (edge_auth.return_path.SESSION_STORAGE_KEY) and opens
// /_auth/login?return=<path+query> (edge_auth.auth_routes.login_url's shape). A page restored
// from the back/forward cache re-checks the session and reloads (to the edge) when it is over.
const AUTH = "/_auth/";
const FRAGMENT_KEY = "linc-edge-auth:fragment";
const RETRY_S = 30;
const LOCK = "linc-refresh";
let expires = 0;
let due = Infinity; // epoch s of the next renewal
let timer = 0;
let banner = null;

const now = () => Date.now() / 1000;

async function call(method, route) {
  try {
    const r = await fetch(AUTH + route, { method, credentials: "same-origin", cache: "no-store" });
    return [r.status, await r.json().catch(() => ({}))];
  } catch {
    return [0, {}];
  }
}

function at(when, run) {
  clearTimeout(timer);
  due = when;
  timer = setTimeout(run, Math.max(0, when - now()) * 1000);
}

function learned(body) {
  expires = +body.expires || 0;
  const left = expires - now();
  banner?.remove();
  banner = null;
  at(expires - Math.min(300, left / 3), renew);
}

// Not renewed (yet): with cookies still good, try again later; otherwise say so.
function failed(status, body) {
  if ((status === 0 || status >= 500) && now() < expires - 1) at(now() + RETRY_S, renew);
  else ended(status, body);
}

// Every tab sees the same expiry, and the archive rotates the one refresh token with no grace:
// renew one at a time per browser (a Web Lock shared with sw.js), and not at all when the
// cookies' expiry has already moved (another tab or the worker renewed while this one waited).
async function renew() {
  const [status, body] = await locked(async () => {
    const seen = await call("GET", "session");
    return seen[0] === 200 && seen[1].expires > expires ? seen : call("POST", "refresh");
  });
  status === 200 ? learned(body) : failed(status, body);
}

const locked = (run) => navigator.locks?.request(LOCK, run) ?? run();

function ended(status, body = {}) {
  clearTimeout(timer);
  due = Infinity;
  if (banner) return;
  const why =
    typeof body.message === "string"
      ? body.message
      : status === 0 || status >= 500
        ? "The LINC archive cannot be reached right now."
        : "Sign in to keep viewing the data.";
  banner = document.createElement("div");
  banner.id = "linc-session-ended";
  banner.setAttribute("role", "alert");
  banner.style.cssText =
    "position:fixed;top:8px;left:50%;transform:translateX(-50%);z-index:2147483647;" +
    "background:#202020;color:#eee;border:1px solid #e8a33c;border-radius:4px;" +
    "padding:8px 12px;font:14px/1.4 sans-serif;max-width:90vw";
  const link = document.createElement("a");
  link.href = AUTH + "login";
  link.textContent = "Sign in again";
  link.style.cssText = "color:#ffc46b;margin-left:8px;font-weight:bold";
  link.addEventListener("click", (e) => {
    e.preventDefault();
    signIn();
  });
  const text = document.createElement("span");
  text.textContent = `Your LINC session has ended. ${why}`;
  banner.append(text, link);
  document.body.append(banner);
}

export function signIn() {
  try {
    sessionStorage.setItem(FRAGMENT_KEY, location.hash);
  } catch {}
  location.assign(`${AUTH}login?return=${encodeURIComponent(location.pathname + location.search)}`);
}

export async function startSession() {
  const worker = navigator.serviceWorker;
  worker?.addEventListener("message", ({ data }) => {
    if (data?.linc === "renewed") learned(data);
    else if (data?.linc === "ended") ended(data.status, data);
  });
  worker?.startMessages();
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && now() >= due) renew();
  });
  addEventListener("online", () => due < Infinity && renew());
  addEventListener("pageshow", async (e) => {
    if (e.persisted && (await call("GET", "session"))[0] !== 200) location.reload();
  });
  const [status, body] = await call("GET", "session");
  status === 200 ? learned(body) : failed(status, body);
}
