// The emulator's handler runner (emulator/src/edge/runner.mjs), driven as the Rust emulator
// drives it: a child process speaking newline-delimited JSON over stdin/stdout.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EMPTY_SHA256, handlerCopy, makeEvent, sha256Hex } from './helpers.mjs';

const RUNNER = fileURLToPath(new URL('../../emulator/src/edge/runner.mjs', import.meta.url));

/** Spawns the runner (killed when test `t` ends, even if an assertion failed first);
 * `next()` resolves with the next stdout line parsed as JSON. */
function startRunner(t, handlerPath) {
  const child = spawn(process.execPath, [RUNNER, handlerPath], { stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill();
  });
  const lines = [];
  const waiters = [];
  let closed = false;
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const output = createInterface({ input: child.stdout });
  output.on('line', (line) => {
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(line);
    else lines.push(line);
  });
  // If stdout ends while a test still waits for a line, fail it instead of hanging.
  output.on('close', () => {
    closed = true;
    for (const waiter of waiters.splice(0)) waiter.reject(new Error(`runner stdout closed; stderr: ${stderr}`));
  });
  const exited = once(child, 'exit');
  const nextLine = () => {
    if (lines.length) return Promise.resolve(lines.shift());
    if (closed) return Promise.reject(new Error(`runner stdout closed; stderr: ${stderr}`));
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  };
  return {
    next: async () => JSON.parse(await nextLine()),
    send: (message) => child.stdin.write(`${JSON.stringify(message)}\n`),
    sendRaw: (text) => child.stdin.write(text),
    close: () => child.stdin.end(),
    exit: async () => (await exited)[0],
    stderr: () => stderr,
    pendingLines: () => lines,
  };
}

/** A temp dir holding one handler module with the given source. */
function handlerFile(t, source) {
  const copy = handlerCopy(undefined);
  t.after(copy.cleanup);
  const path = join(copy.dir, 'fixture.mjs');
  writeFileSync(path, source);
  return path;
}

describe('emulator runner', () => {
  it('runs the real edge handler: ready line, then one reply per request, in order', async (t) => {
    const copy = handlerCopy(undefined); // hermetic: no config.json
    t.after(copy.cleanup);
    const runner = startRunner(t, copy.path);
    assert.deepEqual(await runner.next(), { ready: true });

    const body = Buffer.from([0, 0x80, 0xff, 0x0a]);
    runner.send({ id: 1, event: makeEvent({ uri: '/a', body }) });
    runner.send({ id: 2, event: makeEvent({ uri: '/b', body, inputTruncated: true }) });
    runner.send({ id: 3, event: { Records: [] } }); // the handler throws on this

    const first = await runner.next();
    assert.equal(first.id, 1);
    assert.equal(first.result.uri, '/a');
    assert.deepEqual(first.result.headers['x-amz-content-sha256'], [
      { key: 'x-amz-content-sha256', value: sha256Hex(body) },
    ]);
    const second = await runner.next();
    assert.equal(second.id, 2);
    assert.equal(second.result.status, '413');
    const third = await runner.next();
    assert.equal(third.id, 3);
    assert.equal(typeof third.error, 'string');
    assert.ok(!third.error.includes('\n    at '), 'message only, no stack');
    assert.deepEqual(Object.keys(third), ['id', 'error']);

    runner.close();
    assert.equal(await runner.exit(), 0);
    assert.deepEqual(runner.pendingLines(), []);
  });

  it('keeps stdout clean when the handler logs, and passes a context', async (t) => {
    const path = handlerFile(
      t,
      `console.log('noise at import');
       export const handler = async (event, context) => {
         console.log('log', event); console.info('info'); console.warn('warn');
         console.error('error'); console.debug('debug');
         process.stdout.write('raw write\\n');
         return { echo: event.n, requestId: typeof context.awsRequestId,
                  remaining: context.getRemainingTimeInMillis() > 0 };
       };`,
    );
    const runner = startRunner(t, path);
    assert.deepEqual(await runner.next(), { ready: true });
    runner.send({ id: 7, event: { n: 42 } });
    assert.deepEqual(await runner.next(), { id: 7, result: { echo: 42, requestId: 'string', remaining: true } });
    runner.close();
    assert.equal(await runner.exit(), 0);
    for (const text of ['noise at import', 'info', 'warn', 'debug', 'raw write']) assert.match(runner.stderr(), new RegExp(text));
  });

  it('supports callback-style handlers and reports undefined as null', async (t) => {
    const path = handlerFile(
      t,
      `export const handler = (event, context, callback) => {
         if (event.fail) callback(new Error('callback failure'));
         else if (event.none) callback(null);
         else setTimeout(() => callback(null, { ok: true }), 5);
       };`,
    );
    const runner = startRunner(t, path);
    await runner.next();
    runner.send({ id: 1, event: {} });
    runner.send({ id: 2, event: { fail: true } });
    runner.send({ id: 3, event: { none: true } });
    assert.deepEqual(await runner.next(), { id: 1, result: { ok: true } });
    assert.deepEqual(await runner.next(), { id: 2, error: 'callback failure' });
    assert.deepEqual(await runner.next(), { id: 3, result: null });
    runner.close();
    assert.equal(await runner.exit(), 0);
  });

  it('answers a malformed request line with an error reply and carries on', async (t) => {
    const copy = handlerCopy(undefined);
    t.after(copy.cleanup);
    const runner = startRunner(t, copy.path);
    await runner.next();
    runner.sendRaw('{"id": 1, "event": \n\n');
    assert.deepEqual(await runner.next(), { id: null, error: 'request line is not valid JSON' });
    runner.send('not an object');
    assert.deepEqual(await runner.next(), { id: null, error: 'request has no numeric "id"' });
    runner.send({ id: 9, event: makeEvent({ method: 'GET', includeBody: false }) });
    assert.equal((await runner.next()).result.headers['x-amz-content-sha256'][0].value, EMPTY_SHA256);
    runner.close();
    assert.equal(await runner.exit(), 0);
  });

  it('prints one fatal line and exits 1 when the handler throws at import', async (t) => {
    const path = handlerFile(t, `throw new Error('boom at import');\nexport const handler = async () => ({});\n`);
    const runner = startRunner(t, path);
    assert.deepEqual(await runner.next(), { fatal: 'boom at import' });
    assert.equal(await runner.exit(), 1);
    assert.deepEqual(runner.pendingLines(), []);
  });

  it('reports a fatal error for a config the edge handler rejects, without its secret', async (t) => {
    const copy = handlerCopy('{"routes":[{"path_prefix":"/x/","verify":{"scheme":"github","secret":""}}]}');
    t.after(copy.cleanup);
    const runner = startRunner(t, copy.path);
    const line = await runner.next();
    assert.match(line.fatal, /^invalid edge config: routes\[0\]\.verify\.secret/);
    assert.equal(await runner.exit(), 1);
  });

  it('prints a fatal line for a module without a handler export', async (t) => {
    const runner = startRunner(t, handlerFile(t, 'export const notHandler = 1;\n'));
    assert.match((await runner.next()).fatal, /does not export a function named "handler"/);
    assert.equal(await runner.exit(), 1);
  });
});
