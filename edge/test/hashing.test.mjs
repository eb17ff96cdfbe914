// The body hasher: x-amz-content-sha256 from the raw body bytes, and the generated responses
// for bodies it cannot hash. Every test runs the real handler from ../index.mjs.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createHandler } from '../index.mjs';
import { EMPTY_SHA256, contentHashHeader, makeEvent, responseOf, sha256Hex } from './helpers.mjs';

const handler = createHandler({ routes: [] });

/** Runs the handler and returns the single x-amz-content-sha256 value it set. */
async function hashOf(eventOptions) {
  const result = await handler(makeEvent(eventOptions));
  const header = contentHashHeader(result);
  assert.equal(header.length, 1);
  assert.equal(header[0].key, 'x-amz-content-sha256');
  return header[0].value;
}

describe('hashing the body', () => {
  it('hashes the raw bytes of a binary body holding every byte value 0..255', async () => {
    const bytes = Buffer.from(Array.from({ length: 4 * 256 }, (_, i) => i % 256));
    const hash = await hashOf({ body: bytes });
    assert.equal(hash, sha256Hex(bytes));
    // The classic bug: hashing a UTF-8 round trip of the bytes gives something else.
    assert.notEqual(hash, sha256Hex(Buffer.from(bytes.toString('utf8'), 'utf8')));
    assert.notEqual(hash, sha256Hex(Buffer.from(bytes.toString('latin1'), 'utf8')));
  });

  it('hashes UTF-8 JSON to the hash of its UTF-8 bytes, in base64 and text encodings', async () => {
    const json = '{"name":"Zoë","city":"Zürich","emoji":"🚀","cjk":"東京"}';
    const expected = sha256Hex(Buffer.from(json, 'utf8'));
    assert.equal(await hashOf({ body: json }), expected);
    assert.equal(await hashOf({ body: json, encoding: 'text' }), expected);
  });

  it('reproduces the worked example from the article', async () => {
    const body = '{\n    "test": "message"\n}';
    assert.equal(await hashOf({ body }), '7acb899e28935d98d2a01e27212b5f130ca860f5899c1caabf18ec0988e5df62');
  });

  it('gives the empty-body hash to an empty body and to no body', async () => {
    assert.equal(await hashOf({ body: '' }), EMPTY_SHA256);
    assert.equal(await hashOf({ method: 'GET', includeBody: false }), EMPTY_SHA256);
    assert.equal(await hashOf({ includeBody: false, headers: { 'Content-Length': '0' } }), EMPTY_SHA256);
  });

  it('replaces a viewer-sent x-amz-content-sha256, leaving exactly one header', async () => {
    const body = 'real body';
    const event = makeEvent({
      body,
      headers: { 'X-Amz-Content-Sha256': ['UNSIGNED-PAYLOAD', sha256Hex('another body')] },
    });
    const header = contentHashHeader(await handler(event));
    assert.deepEqual(header, [{ key: 'x-amz-content-sha256', value: sha256Hex(body) }]);
  });

  it('hashes a body of exactly 1 MB (1,048,576 bytes) that was not truncated', async () => {
    const bytes = Buffer.alloc(1_048_576);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 131 + 7) & 0xff;
    assert.equal(await hashOf({ body: bytes }), sha256Hex(bytes));
  });

  it('leaves uri, querystring, method, other headers and the body as they came', async () => {
    const event = makeEvent({
      uri: '/hooks/a%20b/+plus',
      querystring: 'a=1&a=2&b=%2B&c',
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream', 'X-Custom': ['one', 'two'] },
      body: Buffer.from([0, 1, 2, 0xff]),
    });
    const before = structuredClone(event.Records[0].cf.request);
    const result = await handler(event);
    const { 'x-amz-content-sha256': added, ...otherHeaders } = result.headers;
    assert.equal(added.length, 1);
    assert.deepEqual({ ...result, headers: otherHeaders }, before);
    assert.equal(result.body.action, 'read-only'); // original body goes to the origin
  });
});

describe('bodies that cannot be hashed', () => {
  it('answers 413 with a JSON body for a truncated body, and does not forward', async () => {
    const result = await handler(makeEvent({ body: Buffer.alloc(1000), inputTruncated: true }));
    assert.equal(result.status, '413');
    assert.equal(result.statusDescription, 'Payload Too Large');
    assert.deepEqual(result.headers['content-type'], [{ key: 'Content-Type', value: 'application/json' }]);
    assert.match(responseOf(result).body.message, /exceeds the 1 MB/);
    assert.equal(result.uri, undefined);
  });

  for (const headers of [{ 'Content-Length': '42' }, { 'Transfer-Encoding': 'chunked' }]) {
    it(`answers 500 naming IncludeBody when a body is announced (${Object.keys(headers)[0]}) but not included`, async () => {
      const result = await handler(makeEvent({ includeBody: false, headers }));
      assert.equal(result.status, '500');
      assert.equal(result.statusDescription, 'Internal Server Error');
      assert.match(responseOf(result).body.message, /IncludeBody/);
    });
  }

  it('answers 500 for a body encoding it does not know', async () => {
    const event = makeEvent({ body: 'x' });
    event.Records[0].cf.request.body.encoding = 'gzip';
    assert.equal((await handler(event)).status, '500');
  });
});
