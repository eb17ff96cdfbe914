// config.json validation (fail loudly, never open, never echo a secret) and the module-level
// loading of config.json beside the handler, exercised on temp copies of the real index.mjs.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { ConfigError, createHandler, parseConfig, validateConfig } from '../index.mjs';
import { EMPTY_SHA256, contentHashHeader, handlerCopy, hmac, makeEvent, responseOf } from './helpers.mjs';

const SECRET = 'TOP-SECRET-ab12cd34';
const WHSEC = `whsec_${Buffer.from(SECRET).toString('base64')}`;
const route = (verify, extra = {}) => ({ path_prefix: '/hooks/', verify, ...extra });
const config = (...routes) => JSON.stringify({ routes });

/** [name, config.json text, expected message]: each rejected with a ConfigError free of secrets. */
const MALFORMED = [
  ['bad JSON quoting the secret', `{"routes":[{"path_prefix":"/x/","verify":{"scheme":"github","secret":${SECRET}}}]}`, /not valid JSON/],
  ['bad JSON: trailing comma after the secret', `{"routes":[{"path_prefix":"/x/","verify":{"scheme":"github","secret":"${SECRET}",}}]}`, /not valid JSON/],
  ['empty file', '', /not valid JSON/],
  ['top level an array', '[]', /top level must be a JSON object/],
  ['top level null', 'null', /top level must be a JSON object/],
  ['routes missing', '{}', /"routes" must be an array/],
  ['routes not an array', `{"routes":{"path_prefix":"/x/","verify":{"scheme":"github","secret":"${SECRET}"}}}`, /"routes" must be an array/],
  ['unknown top-level key', `{"routes":[],"secret":"${SECRET}"}`, /top level has unknown key/],
  ['route not an object', '{"routes":["/x/"]}', /routes\[0\] must be an object/],
  ['route without path_prefix', config({ verify: { scheme: 'github', secret: SECRET } }), /path_prefix must be a string/],
  ['path_prefix not a string', config({ path_prefix: 7 }), /path_prefix must be a string/],
  ['path_prefix without leading slash', config({ path_prefix: 'hooks/', verify: { scheme: 'github', secret: SECRET } }), /path_prefix must be a string starting with "\/"/],
  ['path_prefix empty', config({ path_prefix: '' }), /path_prefix must be a string/],
  ['duplicate prefixes', config(route({ scheme: 'github', secret: SECRET }), route({ scheme: 'slack', secret: SECRET })), /routes\[1\]\.path_prefix duplicates routes\[0\]/],
  ['unknown route key', config(route({ scheme: 'github', secret: SECRET }, { secret: SECRET })), /routes\[0\] has unknown key/],
  ['verify not an object', config(route(SECRET)), /verify must be an object/],
  ['verify null', config(route(null)), /verify must be an object/],
  ['unknown scheme', config(route({ scheme: 'gitlab', secret: SECRET })), /scheme must be one of/],
  ['scheme not a string', config(route({ scheme: ['github'], secret: SECRET })), /scheme must be one of/],
  ['secret missing', config(route({ scheme: 'github' })), /secret is missing/],
  ['github secret empty', config(route({ scheme: 'github', secret: '' })), /secret must be a non-empty string/],
  ['slack secret empty', config(route({ scheme: 'slack', secret: '' })), /secret must be a non-empty string/],
  ['secret not a string', config(route({ scheme: 'slack', secret: 12345678 })), /secret must be a non-empty string/],
  ['stripe secret empty', config(route({ scheme: 'stripe', secret: '' })), /secret must be a non-empty string/],
  ['standard-webhooks secret without whsec_', config(route({ scheme: 'standard-webhooks', secret: SECRET })), /whsec_/],
  ['standard-webhooks secret not base64', config(route({ scheme: 'standard-webhooks', secret: `whsec_${SECRET}!` })), /whsec_/],
  ['standard-webhooks secret empty after whsec_', config(route({ scheme: 'standard-webhooks', secret: 'whsec_' })), /whsec_/],
  ['tolerance_secs zero', config(route({ scheme: 'stripe', secret: SECRET, tolerance_secs: 0 })), /tolerance_secs must be a positive integer/],
  ['tolerance_secs negative', config(route({ scheme: 'slack', secret: SECRET, tolerance_secs: -300 })), /tolerance_secs must be a positive integer/],
  ['tolerance_secs fractional', config(route({ scheme: 'standard-webhooks', secret: WHSEC, tolerance_secs: 1.5 })), /tolerance_secs must be a positive integer/],
  ['tolerance_secs a string', config(route({ scheme: 'stripe', secret: SECRET, tolerance_secs: '300' })), /tolerance_secs must be a positive integer/],
  ['tolerance_secs on github (no timestamp)', config(route({ scheme: 'github', secret: SECRET, tolerance_secs: 300 })), /unknown key "tolerance_secs"/],
  ['unknown verify key', config(route({ scheme: 'github', secret: SECRET, algorithm: 'sha256' })), /unknown key "algorithm"/],
];

describe('parseConfig', () => {
  for (const [name, text, expected] of MALFORMED) {
    it(`rejects: ${name}`, () => {
      assert.throws(
        () => parseConfig(text),
        (err) => {
          assert.ok(err instanceof ConfigError, `${err}`);
          assert.match(err.message, expected);
          assert.ok(!err.message.includes(SECRET), `message leaks the secret: ${err.message}`);
          assert.ok(!err.message.includes(WHSEC.slice(6)), `message leaks the secret: ${err.message}`);
          return true;
        },
      );
    });
  }

  it('reports a JSON syntax error by line and column when V8 gives a position', () => {
    assert.throws(() => parseConfig('{\n  "routes": [],\n  }'), /not valid JSON \(line 3, column 3\)$/);
  });

  it('createHandler validates what it is given too', () => {
    assert.throws(() => createHandler({ routes: [route({ scheme: 'github', secret: '' })] }), ConfigError);
  });

  it('accepts the shipped config.example.json', () => {
    const text = readFileSync(new URL('../config.example.json', import.meta.url), 'utf8');
    const parsed = parseConfig(text);
    assert.deepEqual(
      parsed.routes.map((r) => [r.path_prefix, r.verify?.scheme]),
      [
        ['/github/', 'github'],
        ['/stripe/', 'stripe'],
        ['/events/', 'standard-webhooks'],
        ['/slack/', 'slack'],
        ['/api/', undefined],
      ],
    );
    assert.deepEqual(validateConfig(parsed), parsed, 'validation is idempotent');
  });

  it('accepts routes without verify, "/" as a prefix, tolerance_secs on timestamped schemes', () => {
    const parsed = parseConfig(
      config(
        { path_prefix: '/' },
        { path_prefix: '/a/', verify: { scheme: 'slack', secret: 's', tolerance_secs: 60 } },
        { path_prefix: '/b/', verify: { scheme: 'standard-webhooks', secret: WHSEC, tolerance_secs: 1 } },
      ),
    );
    assert.equal(parsed.routes.length, 3);
    assert.equal(parsed.routes.at(-1).path_prefix, '/');
    assert.ok(Object.isFrozen(parsed.routes));
  });
});

describe('config.json beside the handler, loaded at module init', () => {
  const importCopy = (path) => import(`${pathToFileURL(path).href}?t=${Date.now()}`);

  it('a malformed config.json makes the import reject, without the secret in the error', async (t) => {
    for (const [name, text] of [MALFORMED[0], MALFORMED[14], MALFORMED[24]]) {
      const copy = handlerCopy(text);
      t.after(copy.cleanup);
      await assert.rejects(importCopy(copy.path), (err) => {
        assert.equal(err.name, 'ConfigError', name);
        assert.ok(!err.message.includes(SECRET), name);
        return true;
      });
    }
  });

  it('a missing config.json loads with no routes: everything hashed and forwarded', async (t) => {
    const copy = handlerCopy(undefined);
    t.after(copy.cleanup);
    const { handler } = await importCopy(copy.path);
    const result = await handler(makeEvent({ uri: '/github/x', includeBody: false, method: 'GET' }));
    assert.deepEqual(contentHashHeader(result), [{ key: 'x-amz-content-sha256', value: EMPTY_SHA256 }]);
  });

  it('a valid config.json is enforced by the exported handler', async (t) => {
    const copy = handlerCopy(config({ path_prefix: '/github/', verify: { scheme: 'github', secret: SECRET } }));
    t.after(copy.cleanup);
    const { handler } = await importCopy(copy.path);
    const body = '{"zen":"Keep it logically awesome."}';
    const rejected = await handler(makeEvent({ uri: '/github/x', body }));
    assert.equal(responseOf(rejected).status, '401');
    assert.ok(!rejected.body.includes(SECRET));
    const signature = `sha256=${hmac(SECRET, body).toString('hex')}`;
    const accepted = await handler(makeEvent({ uri: '/github/x', body, headers: { 'X-Hub-Signature-256': signature } }));
    assert.equal(accepted.status, undefined);
    assert.equal(contentHashHeader(accepted).length, 1);
  });
});
