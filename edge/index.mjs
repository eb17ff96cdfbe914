// Lambda@Edge origin-request handler: hashes the request body into `x-amz-content-sha256` so that
// CloudFront Origin Access Control can sign a POST/PUT to a Lambda function URL, and optionally
// verifies webhook senders' HMAC signatures before anything reaches the origin.
//
// Why: behind OAC, Lambda rejects a request with a body unless `x-amz-content-sha256` is the
// SHA-256 of the exact body bytes. CloudFront never computes it and webhook senders never send
// it. An origin-request trigger with "Include body" sees the body (base64, up to 1 MB) and the
// header it adds is signed by OAC afterwards.
//
// Deployment constraints shape the code: Lambda@Edge has no environment variables, so the
// configuration is a `config.json` shipped beside this file, read once at cold start. The
// module uses only Node's standard library (Node 20 and 22).

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** SHA-256 of zero bytes: what an empty or absent body hashes to. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** Default replay window for the timestamped schemes, in seconds. */
export const DEFAULT_TOLERANCE_SECS = 300;

const CONTENT_SHA256 = 'x-amz-content-sha256';

/** Thrown for every configuration problem. Messages name keys, route indexes and JSON line and
 * column numbers, never a value, so no secret can reach a log. */
export class ConfigError extends Error {
  constructor(message) {
    super(`invalid edge config: ${message}`);
    this.name = 'ConfigError';
  }
}

// ---------------------------------------------------------------------------------------------
// Byte helpers shared by every scheme
// ---------------------------------------------------------------------------------------------

/** HMAC-SHA256 of the concatenation of `parts` (strings are UTF-8, Buffers are raw bytes). */
function hmacSha256(key, parts) {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** True if any candidate equals `expected`, compared in constant time. A candidate of another
 * length (or `null`, an undecodable one) never matches: timingSafeEqual needs equal lengths. */
function anyMatches(expected, candidates) {
  return candidates.some(
    (candidate) =>
      candidate !== null && candidate.length === expected.length && timingSafeEqual(candidate, expected),
  );
}

/** Strict hex decoding: `null` unless the text is a non-empty, even-length run of hex digits
 * (Buffer.from(…, 'hex') would silently stop at the first bad character). */
function decodeHex(text) {
  return /^(?:[0-9a-fA-F]{2})+$/.test(text) ? Buffer.from(text, 'hex') : null;
}

/** Strict, canonical base64 decoding: `null` unless non-empty and re-encoding gives the same
 * text (Buffer.from(…, 'base64') silently skips characters outside the alphabet). */
function decodeBase64(text) {
  const bytes = Buffer.from(text, 'base64');
  return bytes.length > 0 && bytes.toString('base64') === text ? bytes : null;
}

/** A Unix timestamp in seconds as senders write it (decimal digits only), or `null`. */
function parseUnixSeconds(text) {
  return /^[0-9]{1,12}$/.test(text) ? Number(text) : null;
}

// ---------------------------------------------------------------------------------------------
// Webhook signature schemes
//
// Each scheme's `verify` gets the first value of a request header by lowercase name (`header`),
// the raw body bytes, the decoded key, the current Unix time in seconds and the tolerance. It
// returns `null` when the request is authentic, otherwise a short reason that names headers but
// never echoes a signature, a secret or the body. Timestamps are checked before the HMAC (as the
// Slack and Standard Webhooks libraries do): it is the cheap check, and a stale request is
// rejected whatever its signature.
// ---------------------------------------------------------------------------------------------

const missing = (name) => `missing header ${name}`;
const malformed = (name) => `malformed header ${name}`;
const SIGNATURE_MISMATCH = 'signature mismatch';
const STALE = 'timestamp outside tolerance';

/** The window is symmetric: a timestamp more than `tolerance` seconds in the past or in the
 * future is rejected. Stripe's own library checks only the past; we also reject the future,
 * because a timestamp far ahead of our clock would let a captured delivery be replayed for
 * longer than the window, and honest senders are never more than clock skew ahead. */
function withinTolerance(timestamp, nowSecs, toleranceSecs) {
  return Math.abs(nowSecs - timestamp) <= toleranceSecs;
}

const SCHEMES = {
  // X-Hub-Signature-256: sha256=<hex of HMAC(secret, body)>. No timestamp, no replay window.
  github: {
    timestamped: false,
    validateSecret: nonEmptyString,
    key: (secret) => Buffer.from(secret, 'utf8'),
    verify({ header, body, key }) {
      const name = 'x-hub-signature-256';
      const value = header(name);
      if (value === undefined) return missing(name);
      if (!value.startsWith('sha256=')) return malformed(name);
      return anyMatches(hmacSha256(key, [body]), [decodeHex(value.slice('sha256='.length))])
        ? null
        : SIGNATURE_MISMATCH;
    },
  },

  // Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…][,v0=…]; signed "<t>." + body with the
  // whsec_ string itself as the key; any v1 may match (several during secret rotation).
  stripe: {
    timestamped: true,
    validateSecret: nonEmptyString,
    key: (secret) => Buffer.from(secret, 'utf8'),
    verify({ header, body, key, nowSecs, toleranceSecs }) {
      const name = 'stripe-signature';
      const value = header(name);
      if (value === undefined) return missing(name);
      let t;
      const v1 = [];
      for (const item of value.split(',')) {
        const eq = item.indexOf('=');
        if (eq < 0) continue;
        const k = item.slice(0, eq).trim();
        const v = item.slice(eq + 1).trim();
        if (k === 't' && t === undefined) t = v;
        else if (k === 'v1') v1.push(v);
      }
      const timestamp = t === undefined ? null : parseUnixSeconds(t);
      if (timestamp === null) return malformed(name);
      if (v1.length === 0) return `no v1 signature in header ${name}`;
      if (!withinTolerance(timestamp, nowSecs, toleranceSecs)) return STALE;
      return anyMatches(hmacSha256(key, [`${t}.`, body]), v1.map(decodeHex)) ? null : SIGNATURE_MISMATCH;
    },
  },

  // X-Slack-Signature: v0=<hex>, X-Slack-Request-Timestamp: <unix>; signed "v0:<ts>:" + body.
  slack: {
    timestamped: true,
    validateSecret: nonEmptyString,
    key: (secret) => Buffer.from(secret, 'utf8'),
    verify({ header, body, key, nowSecs, toleranceSecs }) {
      const sigName = 'x-slack-signature';
      const tsName = 'x-slack-request-timestamp';
      const signature = header(sigName);
      const ts = header(tsName);
      if (signature === undefined) return missing(sigName);
      if (ts === undefined) return missing(tsName);
      const timestamp = parseUnixSeconds(ts);
      if (timestamp === null) return malformed(tsName);
      if (!signature.startsWith('v0=')) return malformed(sigName);
      if (!withinTolerance(timestamp, nowSecs, toleranceSecs)) return STALE;
      return anyMatches(hmacSha256(key, [`v0:${ts}:`, body]), [decodeHex(signature.slice('v0='.length))])
        ? null
        : SIGNATURE_MISMATCH;
    },
  },

  // webhook-id, webhook-timestamp, webhook-signature: "v1,<base64> v1,<base64> …" (other
  // versions ignored); signed "<id>.<ts>." + body; key = base64-decoded part after "whsec_".
  'standard-webhooks': {
    timestamped: true,
    validateSecret: (secret) =>
      typeof secret === 'string' && secret.startsWith('whsec_') && decodeBase64(secret.slice(6)) !== null
        ? null
        : 'must be "whsec_" followed by non-empty base64',
    key: (secret) => decodeBase64(secret.slice('whsec_'.length)),
    verify({ header, body, key, nowSecs, toleranceSecs }) {
      const names = ['webhook-id', 'webhook-timestamp', 'webhook-signature'];
      const values = names.map((name) => header(name));
      const absent = values.indexOf(undefined);
      if (absent >= 0) return missing(names[absent]);
      const [id, ts, signatures] = values;
      const timestamp = parseUnixSeconds(ts);
      if (timestamp === null) return malformed('webhook-timestamp');
      const v1 = signatures
        .split(' ')
        .filter((entry) => entry.startsWith('v1,'))
        .map((entry) => decodeBase64(entry.slice('v1,'.length)));
      if (v1.length === 0) return 'no v1 signature in header webhook-signature';
      if (!withinTolerance(timestamp, nowSecs, toleranceSecs)) return STALE;
      return anyMatches(hmacSha256(key, [`${id}.${ts}.`, body]), v1) ? null : SIGNATURE_MISMATCH;
    },
  },
};

function nonEmptyString(secret) {
  return typeof secret === 'string' && secret.length > 0 ? null : 'must be a non-empty string';
}

// ---------------------------------------------------------------------------------------------
// Configuration
//
// {"routes": [{"path_prefix": "/github/", "verify": {"scheme": "github", "secret": "…"}}, …]}
// A route without "verify" only hashes. "tolerance_secs" (positive integer, default 300) is
// allowed only for the timestamped schemes (stripe, slack, standard-webhooks): GitHub's scheme
// has no timestamp, so a window there would be a promise the check cannot keep. Every problem
// throws a ConfigError whose message names keys but never echoes a value (see ConfigError).
// ---------------------------------------------------------------------------------------------

const isPlainObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

function rejectUnknownKeys(object, allowed, where) {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(`${where} has unknown key ${JSON.stringify(key)} (allowed: ${allowed.join(', ')})`);
    }
  }
}

function validateVerify(verify, where) {
  if (!isPlainObject(verify)) throw new ConfigError(`${where} must be an object`);
  const known = typeof verify.scheme === 'string' && Object.hasOwn(SCHEMES, verify.scheme);
  const scheme = known ? SCHEMES[verify.scheme] : undefined;
  if (scheme === undefined) {
    throw new ConfigError(`${where}.scheme must be one of ${Object.keys(SCHEMES).join(', ')}`);
  }
  rejectUnknownKeys(verify, scheme.timestamped ? ['scheme', 'secret', 'tolerance_secs'] : ['scheme', 'secret'], where);
  if (!Object.hasOwn(verify, 'secret')) throw new ConfigError(`${where}.secret is missing`);
  const problem = scheme.validateSecret(verify.secret);
  if (problem !== null) throw new ConfigError(`${where}.secret ${problem} for scheme ${verify.scheme}`);
  if (Object.hasOwn(verify, 'tolerance_secs')) {
    const t = verify.tolerance_secs;
    if (!Number.isSafeInteger(t) || t <= 0) throw new ConfigError(`${where}.tolerance_secs must be a positive integer`);
  }
  return Object.freeze({ ...verify });
}

/**
 * Validates a configuration object (the parsed config.json) and returns a frozen copy with the
 * routes sorted longest prefix first. Idempotent: its output is a valid input.
 */
export function validateConfig(value) {
  if (!isPlainObject(value)) throw new ConfigError('top level must be a JSON object');
  rejectUnknownKeys(value, ['routes'], 'top level');
  if (!Array.isArray(value.routes)) throw new ConfigError('"routes" must be an array');
  const seen = new Map();
  const routes = value.routes.map((route, i) => {
    const where = `routes[${i}]`;
    if (!isPlainObject(route)) throw new ConfigError(`${where} must be an object`);
    rejectUnknownKeys(route, ['path_prefix', 'verify'], where);
    const prefix = route.path_prefix;
    if (typeof prefix !== 'string' || !prefix.startsWith('/')) {
      throw new ConfigError(`${where}.path_prefix must be a string starting with "/"`);
    }
    if (seen.has(prefix)) throw new ConfigError(`${where}.path_prefix duplicates routes[${seen.get(prefix)}]`);
    seen.set(prefix, i);
    const copy = { path_prefix: prefix };
    if (Object.hasOwn(route, 'verify')) copy.verify = validateVerify(route.verify, `${where}.verify`);
    return Object.freeze(copy);
  });
  routes.sort((a, b) => b.path_prefix.length - a.path_prefix.length);
  return Object.freeze({ routes: Object.freeze(routes) });
}

/** Parses and validates config.json text. A JSON syntax error is reported by line and column
 * only: V8's own message quotes the text around the error, which may be a secret. */
export function parseConfig(jsonText) {
  let value;
  try {
    value = JSON.parse(jsonText);
  } catch (err) {
    const position = /at position (\d+)/.exec(String(err?.message));
    let where = '';
    if (position) {
      const before = jsonText.slice(0, Number(position[1])).split('\n');
      where = ` (line ${before.length}, column ${before.at(-1).length + 1})`;
    }
    throw new ConfigError(`config.json is not valid JSON${where}`);
  }
  return validateConfig(value);
}

/** Reads config.json; a missing file means "no routes" (hash and forward everything). Any other
 * read error or an invalid file throws: the function must fail loudly, never open. */
function loadConfigFile(url) {
  let text;
  try {
    text = readFileSync(url, 'utf8');
  } catch (err) {
    if (err?.code === 'ENOENT') return validateConfig({ routes: [] });
    throw new ConfigError(`cannot read config.json (${err?.code ?? 'unknown error'})`);
  }
  return parseConfig(text);
}

// ---------------------------------------------------------------------------------------------
// The handler
// ---------------------------------------------------------------------------------------------

const STATUS_TEXT = {
  400: 'Bad Request',
  401: 'Unauthorized',
  413: 'Payload Too Large',
  500: 'Internal Server Error',
};

/** A response generated at the edge instead of forwarding. `no-store` keeps CloudFront and any
 * client from caching an error as if it were the origin's answer. */
function respond(status, payload) {
  return {
    status: String(status),
    statusDescription: STATUS_TEXT[status],
    headers: {
      'content-type': [{ key: 'Content-Type', value: 'application/json' }],
      'cache-control': [{ key: 'Cache-Control', value: 'no-store' }],
    },
    body: JSON.stringify(payload),
  };
}

const TOO_LARGE = {
  message:
    'request body exceeds the 1 MB that Lambda@Edge can hash; the function URL behind CloudFront OAC ' +
    'would reject it without a correct x-amz-content-sha256',
};
const BODY_NOT_INCLUDED = {
  message:
    'the request has a body but the Lambda@Edge function cannot see it: enable IncludeBody on the ' +
    'origin-request function association of this cache behaviour',
};
const BAD_ENCODING = { message: 'unsupported request body encoding in the Lambda@Edge event' };
const AMBIGUOUS_PATH = { message: 'request path has dot segments or encoded slashes' };

/** True when the request announces a body (so a missing `request.body` means Include body is
 * off, and forwarding would send a body hashed as empty). */
function announcesBody(headers) {
  const length = headers['content-length']?.[0]?.value;
  return (length !== undefined && length.trim() !== '0') || headers['transfer-encoding'] !== undefined;
}

/** The raw body bytes, or `null` for an encoding we do not know. Never decoded to a string. */
function bodyBytes(body) {
  if (body === undefined || body === null || !body.data) return Buffer.alloc(0);
  if (body.encoding === 'base64') return Buffer.from(body.data, 'base64');
  if (body.encoding === 'text') return Buffer.from(body.data, 'utf8');
  return null;
}

/** A path the origin might resolve differently from the prefix we matched: a "." or ".."
 * segment, or one hidden behind %2E, %2F or a backslash ("/public/..%2Fgithub/x" matches
 * "/public/" here but could reach "/github/x" at the origin, skipping its verification). */
function isAmbiguousPath(uri) {
  const unfolded = uri.replace(/%2e/gi, '.').replace(/%2f|%5c|\\/gi, '/');
  return unfolded.split('/').some((segment) => segment === '.' || segment === '..');
}

/** Compiles a validated route: decodes its key once, binds its scheme. */
function compileRoute({ path_prefix: prefix, verify }) {
  if (verify === undefined) return { prefix, check: null };
  const scheme = SCHEMES[verify.scheme];
  const key = scheme.key(verify.secret);
  const toleranceSecs = verify.tolerance_secs ?? DEFAULT_TOLERANCE_SECS;
  return { prefix, check: (header, body, nowSecs) => scheme.verify({ header, body, key, nowSecs, toleranceSecs }) };
}

/**
 * Builds an origin-request handler.
 * @param config a config object in the config.json format (validated here), or undefined for none
 * @param options.now clock returning milliseconds since the epoch (default Date.now)
 */
export function createHandler(config = { routes: [] }, { now = Date.now } = {}) {
  const routes = validateConfig(config).routes.map(compileRoute);
  const anyVerified = routes.some((route) => route.check !== null);

  return async function handler(event) {
    const request = event.Records[0].cf.request;
    const headers = (request.headers ??= {});
    const body = request.body;

    if (anyVerified && isAmbiguousPath(request.uri)) return respond(400, AMBIGUOUS_PATH);
    // Routes are sorted longest first, so the first match is the longest matching prefix.
    const route = routes.find((r) => request.uri.startsWith(r.prefix));

    // A truncated body cannot be hashed, and with action 'read-only' the full body would still
    // go to the origin with a wrong hash: answer here instead of forwarding a certain 403.
    if (body?.inputTruncated === true) return respond(413, TOO_LARGE);
    if (body === undefined && announcesBody(headers)) return respond(500, BODY_NOT_INCLUDED);

    const bytes = bodyBytes(body);
    if (bytes === null) return respond(500, BAD_ENCODING);

    if (route?.check) {
      const header = (name) => headers[name]?.[0]?.value;
      const reason = route.check(header, bytes, Math.floor(now() / 1000));
      if (reason !== null) return respond(401, { message: 'webhook signature verification failed', reason });
    }

    // Exactly one header, replacing whatever the viewer sent. The body itself is left alone
    // (action stays 'read-only'), so the origin receives the original bytes we hashed.
    const hash = createHash('sha256').update(bytes).digest('hex');
    headers[CONTENT_SHA256] = [{ key: CONTENT_SHA256, value: hash }];
    return request;
  };
}

/** The deployed handler: config.json beside this file, read once at cold start. */
export const handler = createHandler(loadConfigFile(new URL('./config.json', import.meta.url)));
