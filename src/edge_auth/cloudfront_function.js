// The edge check as a CloudFront Function (cloudfront-js-2.0): the same decision as
// edge_auth/handler.py, the Python reference (navigation rule, cookie rules, return-path rule,
// the same page bytes). This file is a source: edge_auth/cloudfront_function.py fills every
// double-brace placeholder from the Python constants and page templates (one source for pages,
// paths and limits) and drops whole-line comments and indentation; the result, under the 10 KB
// quota, is what template.yaml inlines. Documented, tested differences (docs/edge-runtimes.md):
// - a policy with an IpAddress condition is never valid here (fail closed; the issuer never
//   mints one), where the Python handler checks the viewer address;
// - the return path is rebuilt from CloudFront's parsed query object: a parameter without "="
//   comes back with "=", and repeated names come back grouped in first-seen order.
// Runtime 2.0 has no require of our code, no network, no environment: settings are baked in.
// Written to stay small (the quota counts every byte): short helpers, one line where it reads.
var AUTH = {{auth_prefix}};
var LOGIN = {{login_path}} + '?' + {{return_param}} + '=';
var MARGIN = {{refresh_margin}};
var MAX_COOKIE = {{max_cookie_bytes}};
var MAX_RETURN = {{max_return_bytes}};
var ROUNDS = {{decode_rounds}};
var MAX_EPOCH = {{max_epoch}};
// Both pages share one inline style (templates/page.css): it is spelled once.
var STYLE = {{style}};
var PAGE = {{interstitial_head}} + STYLE + {{interstitial_tail}};
var SLOT = {{login_slot}};
var BAD_PAGE = {{bad_request_head}} + STYLE + {{bad_request_tail}};
// Python's str.strip() whitespace, which is not JavaScript's trim() set.
var WS = '[\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]+';
var STRIP = new RegExp('^' + WS + '|' + WS + '$', 'g');
var B64URL = /^[A-Za-z0-9~_-]+$/;
// The archive's old viewer paths (legacy_paths.py): a 302 to the root, the browser keeps the hash.
var LEGACY = {{legacy_paths}};

// Our pages' headers (pages.page_header_pairs), each with its own Content-Security-Policy.
function pageHeaders(csp) {
  var h = {{page_headers}};
  h['content-security-policy'] = {value: csp};
  return h;
}

function badRequest() {
  return {statusCode: 400, statusDescription: 'Bad Request', headers: pageHeaders({{bad_request_csp}}), body: BAD_PAGE};
}

function header(h, name) {
  return h[name] ? h[name].value : null;
}

// Accept names text/html or application/xhtml+xml, the first such item not refused by q=0.
function acceptsHtml(accept) {
  var items = (accept || '').split(',');
  for (var i = 0; i < items.length; i++) {
    var parts = items[i].split(';').map(function (p) { return p.replace(STRIP, ''); });
    var media = parts[0].toLowerCase();
    if (media === 'text/html' || media === 'application/xhtml+xml') {
      return !parts.slice(1).some(function (p) { return /^q=0(\.0{1,3})?$/.test(p.split(' ').join('')); });
    }
  }
  return false;
}

function isNavigation(method, h) {
  var mode = header(h, 'sec-fetch-mode');
  var dest = header(h, 'sec-fetch-dest');
  if (mode !== null || dest !== null) return mode === 'navigate' || dest === 'document';
  return (method === 'GET' || method === 'HEAD') && acceptsHtml(header(h, 'accept'));
}

// CloudFront base64 (- _ ~ for + = /), canonical only, then strict UTF-8: the bytes must survive
// a round trip, so invalid, overlong and surrogate sequences are refused as Python refuses them.
function cfDecode(value) {
  if (value.length > MAX_COOKIE || !B64URL.test(value)) throw 0;
  var b64 = value.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/');
  var bytes = Buffer.from(b64, 'base64');
  var text = bytes.toString('utf8');
  if (bytes.toString('base64') !== b64 || Buffer.from(text, 'utf8').toString('base64') !== b64) throw 0;
  return text;
}

// Python's json module with the codec's hooks, on top of JSON.parse (same syntax; NaN and
// Infinity are errors in both): a duplicate key is an error (fewer parsed keys than ':' outside
// strings), and so is any number with a fraction or exponent (never part of a valid policy).
function parseJson(text) {
  var keys = -1;
  var doc = JSON.parse(text, function (k, v) {
    if (!Array.isArray(this)) keys++;
    return v;
  });
  var bare = text.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  if (/[0-9][.eE]/.test(bare) || keys !== bare.split(':').length - 1) throw 0;
  return doc;
}

// An object with every required key and nothing else but the optional ones.
function only(x, required, optional) {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw 0;
  var keys = Object.keys(x);
  required.forEach(function (k) { if (keys.indexOf(k) < 0) throw 0; });
  keys.forEach(function (k) { if (required.concat(optional).indexOf(k) < 0) throw 0; });
  return x;
}

function epoch(body) {
  var v = only(body, ['AWS:EpochTime'], [])['AWS:EpochTime'];
  if (!Number.isInteger(v) || v < 0 || v >= MAX_EPOCH) throw 0;
  return v;
}

// CloudFront resource matching over code points: * any run (also empty), ? one character.
function matches(pattern, url) {
  var stars = pattern.split('*').length - 1;
  if (pattern.indexOf('?') < 0 && (stars === 0 || (stars === 1 && pattern.slice(-1) === '*'))) {
    return stars ? url.indexOf(pattern.slice(0, -1)) === 0 : pattern === url;
  }
  var pt = Array.from(pattern), s = Array.from(url);
  var p = 0, u = 0, star = -1, starU = 0;
  while (u < s.length) {
    if (pt[p] === '*') {
      star = p++;
      starU = u;
    } else if (p < pt.length && (pt[p] === '?' || pt[p] === s[u])) {
      p++;
      u++;
    } else if (star < 0) {
      return false;
    } else {
      p = star + 1;
      u = ++starU;
    }
  }
  while (pt[p] === '*') p++;
  return p === pt.length;
}

function policyAllows(value, url, now) {
  var st = only(parseJson(cfDecode(value)), ['Statement'], []).Statement;
  if (!Array.isArray(st) || st.length !== 1) throw 0;
  st = only(st[0], ['Condition'], ['Resource']);
  var resource = st.Resource === undefined ? null : st.Resource;
  if (resource !== null && (typeof resource !== 'string' || !resource)) throw 0;
  var c = only(st.Condition, ['DateLessThan'], ['DateGreaterThan', 'IpAddress']);
  var notAfter = epoch(c.DateLessThan);
  var notBefore = c.DateGreaterThan === undefined ? null : epoch(c.DateGreaterThan);
  // Fail closed: this runtime does no address matching (a documented difference).
  if (c.IpAddress !== undefined || now + MARGIN >= notAfter) return false;
  // No DateGreaterThan: not minted by our issuer (the archive's old cookies): the round trip.
  if (notBefore === null || !(now > notBefore)) return false;
  return resource === null || matches(resource, url);
}

// The CloudFront-* cookie set as {Name: value}; two cookies of one name (say a stale
// parent-domain one beside a host-only one) make the set ambiguous: an error.
function cloudfrontCookies(cookies) {
  var found = {};
  ['Policy', 'Signature', 'Key-Pair-Id', 'Expires', 'Hash-Algorithm'].forEach(function (n) {
    var c = cookies['CloudFront-' + n];
    if (c && c.multiValue && c.multiValue.length > 1) throw 0;
    if (c) found[n] = c.value;
  });
  return found;
}

function hasValidCookies(cookies, url, now) {
  try {
    var c = cloudfrontCookies(cookies);
    var sig = c.Signature || '', kid = c['Key-Pair-Id'] || '', alg = c['Hash-Algorithm'];
    if (sig.length > MAX_COOKIE || !B64URL.test(sig) || !/^[A-Za-z0-9]{1,64}$/.test(kid)) return false;
    if (alg !== undefined && alg !== 'SHA1' && alg !== 'SHA256') return false;
    if (c.Policy !== undefined) return policyAllows(c.Policy, url, now);
    if (c.Expires === undefined || !/^[0-9]{1,10}$/.test(c.Expires)) return false;
    return Number(c.Expires) < MAX_EPOCH && now + MARGIN < Number(c.Expires);
  } catch (e) {
    return false;
  }
}

// Python's unquote as far as the checks can see: ASCII exact, each byte >= 0x80 one U+FFFD
// (valid or invalid UTF-8, it never decodes to ASCII, so no check can tell the difference).
function unquote(s) {
  return s.replace(/%([0-9A-Fa-f]{2})/g, function (m, h) {
    return parseInt(h, 16) < 128 ? String.fromCharCode(parseInt(h, 16)) : '\ufffd';
  });
}

function plainPath(v, decoded) {
  if (v[0] !== '/' || v[1] === '/' || v.indexOf(AUTH) === 0 || v === AUTH.slice(0, -1)) return false;
  for (var i = 0; i < v.length; i++) {
    var c = v.charCodeAt(i);
    if (c === 92 || c === 127 || c < (decoded ? 32 : 33)) return false;
  }
  return true;
}

// The login URL: return_path.safe_return_path, then quote(path, safe='') (encodeURIComponent
// leaves !'()* that quote encodes); a refused path returns to "/".
function loginUrl(path) {
  try {
    var quoted = encodeURIComponent(path);
  } catch (e) {
    // A lone surrogate: not UTF-8, refused as Python refuses it.
    return LOGIN + '%2F';
  }
  var v = path;
  if (quoted.length - 2 * (quoted.split('%').length - 1) <= MAX_RETURN) {
    for (var round = 0; round <= ROUNDS && plainPath(v, round > 0); round++) {
      if (unquote(v) === v) {
        return LOGIN + quoted.replace(/[!'()*]/g, function (c) { return '%' + c.charCodeAt(0).toString(16).toUpperCase(); });
      }
      v = unquote(v);
    }
  }
  return LOGIN + '%2F';
}

// The raw query string as near as CloudFront's parsed object allows (see the top).
function queryString(qs) {
  var parts = [];
  Object.keys(qs).forEach(function (name) {
    (qs[name].multiValue || [qs[name]]).forEach(function (q) { parts.push(name + '=' + q.value); });
  });
  return parts.join('&');
}

function decide(event, now) {
  var request = event.request, uri = request.uri, h = request.headers;
  if (typeof uri !== 'string' || uri[0] !== '/') return badRequest();
  if (LEGACY.indexOf(uri) >= 0 && /^(GET|HEAD)$/.test(request.method)) {
    return {statusCode: 302, headers: {location: {value: {{viewer_root}}}, 'cache-control': {value: 'no-store'}}};
  }
  if (uri.indexOf(AUTH) === 0 || !isNavigation(request.method, h)) return request;
  var host = header(h, 'host') || '';
  if (!/^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$/.test(host)) return badRequest();
  if (hasValidCookies(request.cookies || {}, 'https://' + host + uri, now)) return request;
  var query = queryString(request.querystring || {});
  var body = PAGE.split(SLOT).join(loginUrl(query ? uri + '?' + query : uri));
  return {statusCode: 200, statusDescription: 'OK', headers: pageHeaders({{interstitial_csp}}), body: body};
}

function handler(event) {
  try {
    return decide(event, Date.now() / 1000);
  } catch (e) {
    // Never throw at the edge: CloudFront would answer its own error instead of our page.
    return badRequest();
  }
}
