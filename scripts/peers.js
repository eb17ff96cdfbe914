#!/usr/bin/env node
// Time the npm `aws4` package on the requests of benches/sign.rs.
//
// Each signature is what the crate does per request: hash the body (SHA-256), set
// x-amz-content-sha256, and sign (x-amz-security-token, authorization) with fixed
// credentials at a fixed time (given as x-amz-date, which aws4 then uses). Requests are built
// before the clock starts, so only signing is timed, as in the criterion bench.
//
// Usage (after `npm ci --prefix scripts`):
//   node scripts/peers.js          one line per case: name, µs per signature
//   node scripts/peers.js --json   the same as one JSON object
'use strict';

const crypto = require('crypto');
const aws4 = require('aws4');
const aws4Version = require('aws4/package.json').version;

const HOST = 'abcdefghijklmnopqrstuvwxyz234567.lambda-url.eu-central-1.on.aws';
const REGION = 'eu-central-1';
const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN',
};
const AMZ_DATE = '20251124T160000Z'; // 1_764_000_000 s, UTC
const NUMBER = 20000; // signatures per repeat
const REPEAT = 7; // repeats; the median is reported

// A JSON document of exactly `length` bytes, as the Rust bench builds it.
function jsonBody(length) {
  const prefix = '{"data":"';
  const suffix = '"}';
  return Buffer.from(prefix + 'x'.repeat(length - prefix.length - suffix.length) + suffix);
}

const CASES = {
  get: {
    method: 'GET',
    path: '/items?limit=10&next=a%20b',
    headers: { accept: 'application/json' },
    body: Buffer.alloc(0),
  },
  post_1k: {
    method: 'POST',
    path: '/items',
    headers: { 'content-type': 'application/json' },
    body: jsonBody(1024),
  },
};

function newRequest(name) {
  const c = CASES[name];
  return {
    host: HOST,
    method: c.method,
    path: c.path,
    service: 'lambda',
    region: REGION,
    headers: Object.assign({ 'x-amz-date': AMZ_DATE }, c.headers),
  };
}

// aws4 adds and signs content-length (and a default content-type) when it is handed the body;
// the other signers leave content-length unsigned. So the body is hashed here and passed as
// x-amz-content-sha256, which aws4 then uses as the payload hash: the same work, the same
// signed headers.
function sign(request, body) {
  request.headers['x-amz-content-sha256'] = crypto.createHash('sha256').update(body).digest('hex');
  return aws4.sign(request, CREDENTIALS);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const results = { aws4: aws4Version, node: process.version, cases: {} };
for (const name of Object.keys(CASES)) {
  const body = CASES[name].body;
  const probe = sign(newRequest(name), body);
  const authorization = probe.headers.Authorization;
  // Warm up the JIT before timing.
  for (let i = 0; i < NUMBER; i++) sign(newRequest(name), body);
  const perRepeat = [];
  for (let r = 0; r < REPEAT; r++) {
    const pending = Array.from({ length: NUMBER }, () => newRequest(name));
    const start = process.hrtime.bigint();
    for (let i = 0; i < NUMBER; i++) sign(pending[i], body);
    const elapsed = process.hrtime.bigint() - start;
    perRepeat.push(Number(elapsed) / 1e3 / NUMBER);
  }
  results.cases[name] = {
    us_per_signature: median(perRepeat),
    min_us: Math.min(...perRepeat),
    signed_headers: authorization.split('SignedHeaders=')[1].split(',')[0],
    signature: authorization.split('Signature=')[1],
  };
}

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(results));
} else {
  console.log(`aws4 ${results.aws4} on node ${results.node}`);
  for (const [name, r] of Object.entries(results.cases)) {
    console.log(
      `${name}: ${r.us_per_signature.toFixed(2)} µs/signature (min ${r.min_us.toFixed(2)}), ` +
        `signed ${r.signed_headers}, signature ${r.signature}`,
    );
  }
}
