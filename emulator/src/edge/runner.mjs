// Long-lived Lambda@Edge handler runner for the Rust emulator.
//
//   node runner.mjs /abs/path/to/handler.mjs
//
// Protocol (newline-delimited JSON, one object per line):
//   stdout, once, after the handler module imported:  {"ready": true}
//   stdin, per invocation:                            {"id": <number>, "event": {...}}
//   stdout, exactly one per request line:             {"id": <n>, "result": <value>}
//                                                 or  {"id": <n>, "error": "<message>"}
//   stdout, instead of ready, if the import fails:    {"fatal": "<message>"}  (then exit 1)
// Requests are handled one at a time, in order. The runner exits 0 when stdin closes.
//
// stdout belongs to the protocol alone: console.* and process.stdout.write are redirected to
// stderr before the handler is imported, so nothing the handler prints can corrupt a reply.

import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

// Keep the real stdout for protocol lines, then point every other writer at stderr.
const protocolWrite = process.stdout.write.bind(process.stdout);
const toStderr = (...args) => {
  process.stderr.write(`${format(...args)}\n`);
};
for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace']) console[method] = toStderr;
process.stdout.write = process.stderr.write.bind(process.stderr);

// A promise the handler forgot about must not kill the runner (Node's default): log it.
process.on('unhandledRejection', (reason) => toStderr('runner: unhandled rejection:', reason));

/** Writes one protocol line (JSON text without newlines); resolves once handed to the OS. */
function writeLine(json) {
  return new Promise((resolve) => protocolWrite(`${json}\n`, () => resolve()));
}
const send = (message) => writeLine(JSON.stringify(message));

const messageOf = (err) => (err instanceof Error ? err.message : String(err));

/** A minimal Lambda context, enough for handlers that read the usual fields. */
function makeContext() {
  const deadline = Date.now() + 30_000; // origin-request triggers time out after 30 s
  return {
    functionName: 'edge-function',
    functionVersion: '1',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:edge-function:1',
    memoryLimitInMB: '128',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/us-east-1.edge-function',
    logStreamName: 'emulator',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

/** Calls the handler: async (event, context) handlers, and callback-style ones (3 parameters). */
function invoke(handler, event) {
  const context = makeContext();
  if (handler.length >= 3) {
    return new Promise((resolve, reject) => {
      const callback = (err, result) => (err ? reject(err) : resolve(result));
      Promise.resolve()
        .then(() => handler(event, context, callback))
        .catch(reject);
    });
  }
  return Promise.resolve().then(() => handler(event, context));
}

/** Handles one request line and returns the reply line (JSON text). */
async function handleLine(handler, line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    return JSON.stringify({ id: null, error: 'request line is not valid JSON' });
  }
  const id = typeof request?.id === 'number' ? request.id : null;
  if (id === null) return JSON.stringify({ id, error: 'request has no numeric "id"' });
  try {
    const result = await invoke(handler, request.event);
    // Undefined is not JSON: report it as null so the reply always has "result". Serializing
    // inside the try turns a circular structure or a BigInt into an error reply.
    return JSON.stringify({ id, result: result === undefined ? null : result });
  } catch (err) {
    return JSON.stringify({ id, error: messageOf(err) });
  }
}

async function main() {
  const path = process.argv[2];
  let handler;
  try {
    if (!path) throw new Error('usage: node runner.mjs /abs/path/to/handler.mjs');
    const module = await import(pathToFileURL(path).href);
    handler = module.handler;
    if (typeof handler !== 'function') throw new Error(`${path} does not export a function named "handler"`);
  } catch (err) {
    await send({ fatal: messageOf(err) });
    process.exit(1);
  }

  await send({ ready: true });
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    await writeLine(await handleLine(handler, line));
  }
}

await main();
