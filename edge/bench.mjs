// Time per invocation of the edge handler for a 1 MB (1,048,576-byte) binary body.
//
//   node edge/bench.mjs [--cold-runs N] [--warm-calls N]
//
// cold: N fresh node processes (default 5), each timing the import of a copy of index.mjs
//       (reading its config.json) plus the first call; median reported. Node's own start-up
//       is not included (Lambda's is not ours to optimise either).
// warm: one process, 100 warm-up calls, then the median and p95 of 200 calls (default).
// Both with no config (hash only) and with a GitHub route (HMAC-SHA256 verify + hash).

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BODY_BYTES = 1_048_576;
const WARM_UP = 100;
const SECRET = 'bench-secret';
const GITHUB_CONFIG = { routes: [{ path_prefix: '/', verify: { scheme: 'github', secret: SECRET } }] };

/** A deterministic binary body covering every byte value. */
function makeBody() {
  const body = Buffer.alloc(BODY_BYTES);
  for (let i = 0; i < body.length; i++) body[i] = (i * 131 + 7) & 0xff;
  return body;
}

/** A minimal CloudFront origin-request event carrying `body` (base64, as CloudFront sends it). */
function makeEvent(body, signature) {
  const headers = { 'content-length': [{ key: 'Content-Length', value: String(body.length) }] };
  if (signature) headers['x-hub-signature-256'] = [{ key: 'X-Hub-Signature-256', value: signature }];
  const data = body.toString('base64');
  return {
    Records: [{ cf: { request: { method: 'POST', uri: '/hook', querystring: '', headers,
      body: { action: 'read-only', encoding: 'base64', inputTruncated: false, data } } } }],
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1];

function assertForwarded(result) {
  if (result.status !== undefined || !result.headers['x-amz-content-sha256']) {
    throw new Error(`handler did not forward: ${result.status} ${result.body}`);
  }
}

// --- child mode: one cold start -------------------------------------------------------------

async function coldChild(handlerPath, signature) {
  // Everything except the import and the first call is prepared before the clock starts.
  const event = makeEvent(makeBody(), signature === '-' ? undefined : signature);
  const t0 = performance.now();
  const { handler } = await import(pathToFileURL(handlerPath).href);
  const t1 = performance.now();
  assertForwarded(await handler(event));
  const t2 = performance.now();
  process.stdout.write(JSON.stringify({ importMs: t1 - t0, firstCallMs: t2 - t1 }));
}

// --- parent mode ----------------------------------------------------------------------------

function cold(runs, configObject, signature) {
  const dir = mkdtempSync(join(tmpdir(), 'edge-bench-'));
  try {
    const handlerPath = join(dir, 'index.mjs');
    copyFileSync(fileURLToPath(new URL('./index.mjs', import.meta.url)), handlerPath);
    if (configObject) writeFileSync(join(dir, 'config.json'), JSON.stringify(configObject));
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--cold-child', handlerPath, signature ?? '-'], {
        encoding: 'utf8',
      });
      if (child.status !== 0) throw new Error(`cold run failed: ${child.stderr}`);
      samples.push(JSON.parse(child.stdout));
    }
    const importMs = median(samples.map((s) => s.importMs));
    const firstCallMs = median(samples.map((s) => s.firstCallMs));
    const totalMs = median(samples.map((s) => s.importMs + s.firstCallMs));
    return { importMs, firstCallMs, totalMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function warm(calls, handler, event) {
  for (let i = 0; i < WARM_UP; i++) assertForwarded(await handler(event));
  const samples = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    const result = await handler(event);
    samples.push(performance.now() - t0);
    assertForwarded(result);
  }
  return { medianMs: median(samples), p95Ms: p95(samples) };
}

async function main(args) {
  const option = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const coldRuns = option('--cold-runs', 5);
  const warmCalls = option('--warm-calls', 200);

  const { createHmac } = await import('node:crypto');
  const { createHandler } = await import('./index.mjs');
  const body = makeBody();
  const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;

  const cases = [
    { name: 'hash only', config: undefined, signature: undefined },
    { name: 'github verify + hash', config: GITHUB_CONFIG, signature },
  ];
  // All cold runs first, then all warm runs, so child processes do not disturb warm timings.
  const colds = cases.map((c) => cold(coldRuns, c.config, c.signature));
  const rows = [];
  for (const [i, c] of cases.entries()) {
    const w = await warm(warmCalls, createHandler(c.config), makeEvent(body, c.signature));
    rows.push([c.name, colds[i].importMs, colds[i].firstCallMs, colds[i].totalMs, w.medianMs, w.p95Ms]);
  }

  console.log(`edge handler, ${BODY_BYTES.toLocaleString('en-US')}-byte binary body, node ${process.version}, ` +
    `cold = median of ${coldRuns} processes, warm = ${warmCalls} calls after ${WARM_UP} warm-up`);
  const header = ['case', 'cold import', 'cold 1st call', 'cold total', 'warm median', 'warm p95'];
  const cells = rows.map(([name, ...ms]) => [name, ...ms.map((v) => `${v.toFixed(2)} ms`)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells) console.log(line(r));
}

const args = process.argv.slice(2);
if (args[0] === '--cold-child') await coldChild(args[1], args[2]);
else await main(args);
