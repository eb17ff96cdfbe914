// Sender verification and routing. Signatures are computed here, independently of the handler,
// from each sender's published scheme; published examples pin the schemes to known answers.
// Timestamps use a fixed injected clock.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { createHandler } from '../index.mjs';
import { contentHashHeader, hmac, makeEvent, responseOf, sha256Hex } from './helpers.mjs';

const NOW = 1_767_225_600; // 2026-01-01T00:00:00Z, in seconds
const clock = (seconds) => ({ now: () => seconds * 1000 + 999 }); // ms; sub-second part ignored

const SW_KEY = randomBytes(32);
const SECRETS = {
  github: 'gh-secret-DO-NOT-LEAK',
  stripe: 'whsec_stripe-secret-DO-NOT-LEAK',
  slack: 'slack-secret-DO-NOT-LEAK',
  'standard-webhooks': `whsec_${SW_KEY.toString('base64')}`,
};
const CONFIG = {
  routes: Object.entries(SECRETS).map(([scheme, secret]) => ({
    path_prefix: `/${scheme}/`,
    verify: { scheme, secret },
  })),
};
const handler = createHandler(CONFIG, clock(NOW));

/**
 * Each scheme: `sign(body, ts, key)` builds the sender's headers (key defaults to the real one),
 * `required` lists the headers a request cannot go without, `timestamped` whether a replay
 * window applies.
 */
const SCHEMES = {
  github: {
    timestamped: false,
    required: ['X-Hub-Signature-256'],
    sign: (body, _ts, key = SECRETS.github) => ({
      'X-Hub-Signature-256': `sha256=${hmac(key, body).toString('hex')}`,
    }),
  },
  stripe: {
    timestamped: true,
    required: ['Stripe-Signature'],
    sign: (body, ts, key = SECRETS.stripe) => ({
      'Stripe-Signature': `t=${ts},v1=${hmac(key, `${ts}.`, body).toString('hex')}`,
    }),
  },
  slack: {
    timestamped: true,
    required: ['X-Slack-Signature', 'X-Slack-Request-Timestamp'],
    sign: (body, ts, key = SECRETS.slack) => ({
      'X-Slack-Request-Timestamp': String(ts),
      'X-Slack-Signature': `v0=${hmac(key, `v0:${ts}:`, body).toString('hex')}`,
    }),
  },
  'standard-webhooks': {
    timestamped: true,
    required: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
    sign: (body, ts, key = SW_KEY) => ({
      'webhook-id': 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W',
      'webhook-timestamp': String(ts),
      'webhook-signature': `v1,${hmac(key, `msg_2KWPBgLlAfxdpx2AI54pPJ85f4W.${ts}.`, body).toString('base64')}`,
    }),
  },
};

const BODY = Buffer.from('{"action":"opened","bytes":"\u00ff\u0000"}\n');

async function call(uri, body, headers, h = handler) {
  return h(makeEvent({ uri, body, headers }));
}

/** Asserts a 401 that was not forwarded, with the given reason and nothing secret inside. */
function assertRejected(result, reason, signatureHeaders = {}) {
  assert.equal(result.status, '401');
  assert.equal(result.statusDescription, 'Unauthorized');
  assert.equal(result.uri, undefined, 'a rejected request must not be forwarded');
  const { body } = responseOf(result);
  assert.deepEqual(body, { message: 'webhook signature verification failed', reason });
  for (const secret of Object.values(SECRETS)) assert.ok(!result.body.includes(secret));
  for (const value of Object.values(signatureHeaders)) {
    for (const part of String(value).split(/[=,\s]/).filter((p) => p.length >= 16)) {
      assert.ok(!result.body.includes(part), 'a 401 must not echo a signature');
    }
  }
}

function assertForwarded(result, body) {
  assert.equal(result.status, undefined, `expected forwarding, got ${result.status} ${result.body}`);
  assert.deepEqual(contentHashHeader(result), [{ key: 'x-amz-content-sha256', value: sha256Hex(body) }]);
}

for (const [name, scheme] of Object.entries(SCHEMES)) {
  describe(`scheme ${name}`, () => {
    const uri = `/${name}/deliveries`;

    it('forwards a valid delivery with the body hash', async () => {
      assertForwarded(await call(uri, BODY, scheme.sign(BODY, NOW)), BODY);
    });

    it('rejects a delivery signed with another secret', async () => {
      const forgedKey = name === 'standard-webhooks' ? randomBytes(32) : 'not-the-secret';
      const headers = scheme.sign(BODY, NOW, forgedKey);
      assertRejected(await call(uri, BODY, headers), 'signature mismatch', headers);
    });

    it('rejects a signature computed over another body', async () => {
      const headers = scheme.sign(Buffer.from('{"action":"closed"}'), NOW);
      assertRejected(await call(uri, BODY, headers), 'signature mismatch', headers);
    });

    for (const header of scheme.required) {
      it(`rejects a delivery without ${header}`, async () => {
        const headers = scheme.sign(BODY, NOW);
        delete headers[header];
        assertRejected(await call(uri, BODY, headers), `missing header ${header.toLowerCase()}`, headers);
      });
    }

    if (scheme.timestamped) {
      it('accepts timestamps exactly 300 s in the past or future', async () => {
        for (const ts of [NOW - 300, NOW + 300]) assertForwarded(await call(uri, BODY, scheme.sign(BODY, ts)), BODY);
      });

      it('rejects a correctly signed but stale (301 s) or future (301 s) timestamp', async () => {
        for (const ts of [NOW - 301, NOW + 301, NOW - 86_400]) {
          const headers = scheme.sign(BODY, ts);
          assertRejected(await call(uri, BODY, headers), 'timestamp outside tolerance', headers);
        }
      });
    } else {
      it('has no replay window (GitHub signs no timestamp)', async () => {
        const old = createHandler(CONFIG, clock(NOW + 10 * 365 * 86_400));
        assertForwarded(await call(uri, BODY, scheme.sign(BODY, 0), old), BODY);
      });
    }

    it('verifies before hashing: a truncated body is 413 even when signed', async () => {
      const result = await handler(makeEvent({ uri, body: BODY, headers: scheme.sign(BODY, NOW), inputTruncated: true }));
      assert.equal(result.status, '413');
    });
  });
}

describe('scheme details', () => {
  it('GitHub: the published example (secret "It\'s a Secret to Everybody", "Hello, World!")', async () => {
    const h = createHandler({ routes: [{ path_prefix: '/', verify: { scheme: 'github', secret: "It's a Secret to Everybody" } }] });
    const body = 'Hello, World!';
    const sig = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    assertForwarded(await call('/', body, { 'X-Hub-Signature-256': sig }, h), Buffer.from(body));
    assertRejected(await call('/', `${body} `, { 'X-Hub-Signature-256': sig }, h), 'signature mismatch');
  });

  it('GitHub: rejects a header without the sha256= prefix, or with bad hex even around a valid MAC', async () => {
    const hex = hmac(SECRETS.github, BODY).toString('hex');
    const bad = [hex, `sha1=${hex}`, `sha256=${hex.slice(1)}`, `sha256=${hex.slice(0, -2)}zz`, `sha256=${hex}zz`, `sha256=${hex}0`];
    for (const value of bad) {
      const result = await call('/github/', BODY, { 'X-Hub-Signature-256': value });
      assert.equal(result.status, '401', value);
    }
  });

  it('Slack: the published example from "Verifying requests from Slack"', async () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V' +
      '&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
      '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
      '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const config = { routes: [{ path_prefix: '/', verify: { scheme: 'slack', secret: '8f742231b10e8888abcd99yyyzzz85a5' } }] };
    const headers = {
      'X-Slack-Request-Timestamp': '1531420618',
      'X-Slack-Signature': 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
    };
    assertForwarded(await call('/', body, headers, createHandler(config, clock(1531420618 + 60))), Buffer.from(body));
    const late = await call('/', body, headers, createHandler(config, clock(1531420618 + 301)));
    assert.equal(responseOf(late).body.reason, 'timestamp outside tolerance');
  });

  it('Standard Webhooks: the specification\'s test vector', async () => {
    const config = {
      routes: [{ path_prefix: '/', verify: { scheme: 'standard-webhooks', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' } }],
    };
    const body = '{"test": 2432232314}';
    const headers = {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    };
    assertForwarded(await call('/', body, headers, createHandler(config, clock(1614265330))), Buffer.from(body));
  });

  it('Stripe: any v1 may match (the second one here); v0 is ignored', async () => {
    const good = hmac(SECRETS.stripe, `${NOW}.`, BODY).toString('hex');
    const wrong = hmac('old-rotated-secret', `${NOW}.`, BODY).toString('hex');
    const headers = { 'Stripe-Signature': `t=${NOW},v1=${wrong},v1=${good},v0=${wrong}` };
    assertForwarded(await call('/stripe/', BODY, headers), BODY);
    const onlyV0 = { 'Stripe-Signature': `t=${NOW},v0=${good}` };
    assertRejected(await call('/stripe/', BODY, onlyV0), 'no v1 signature in header stripe-signature');
  });

  it('Stripe: a header without a usable t= is malformed', async () => {
    const good = hmac(SECRETS.stripe, `${NOW}.`, BODY).toString('hex');
    for (const value of [`v1=${good}`, `t=abc,v1=${good}`, `t=-5,v1=${good}`, 'garbage']) {
      assertRejected(await call('/stripe/', BODY, { 'Stripe-Signature': value }), 'malformed header stripe-signature');
    }
  });

  it('Stripe: tolerance_secs widens the window', async () => {
    const config = { routes: [{ path_prefix: '/', verify: { scheme: 'stripe', secret: SECRETS.stripe, tolerance_secs: 600 } }] };
    const h = createHandler(config, clock(NOW));
    assertForwarded(await call('/', BODY, SCHEMES.stripe.sign(BODY, NOW - 599), h), BODY);
    assert.equal((await call('/', BODY, SCHEMES.stripe.sign(BODY, NOW - 601), h)).status, '401');
  });

  it('Standard Webhooks: one matching v1 in a space-separated list suffices; other versions ignored', async () => {
    const headers = SCHEMES['standard-webhooks'].sign(BODY, NOW);
    const good = headers['webhook-signature'];
    const wrong = `v1,${hmac(randomBytes(32), 'x').toString('base64')}`;
    headers['webhook-signature'] = `v1a,${good.slice(3)} ${wrong} v1,not*base64 ${good}`;
    assertForwarded(await call('/standard-webhooks/', BODY, headers), BODY);
    headers['webhook-signature'] = `v1a,${good.slice(3)} v2,${good.slice(3)}`;
    assertRejected(await call('/standard-webhooks/', BODY, headers), 'no v1 signature in header webhook-signature');
  });

  it('Slack: a non-numeric timestamp is malformed', async () => {
    const headers = SCHEMES.slack.sign(BODY, NOW);
    headers['X-Slack-Request-Timestamp'] = `${NOW}.5`;
    assertRejected(await call('/slack/', BODY, headers), 'malformed header x-slack-request-timestamp');
  });

  it('verifies the raw bytes of a binary body (every byte value)', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    assertForwarded(await call('/github/', bytes, SCHEMES.github.sign(bytes, NOW)), bytes);
    const roundTripped = Buffer.from(bytes.toString('utf8'));
    assert.equal((await call('/github/', bytes, SCHEMES.github.sign(roundTripped, NOW))).status, '401');
  });
});

describe('routes', () => {
  const h = createHandler(
    {
      routes: [
        { path_prefix: '/hooks/' }, // hash only
        { path_prefix: '/hooks/github/', verify: { scheme: 'github', secret: SECRETS.github } },
        { path_prefix: '/hooks/github/public/' }, // longer than the verified one: hash only
      ],
    },
    clock(NOW),
  );
  const signed = SCHEMES.github.sign(BODY, NOW);

  it('the longest matching prefix wins, whatever the order in the file', async () => {
    assertRejected(await call('/hooks/github/x', BODY, {}, h), 'missing header x-hub-signature-256');
    assertForwarded(await call('/hooks/github/x', BODY, signed, h), BODY);
    assertForwarded(await call('/hooks/github/public/x', BODY, {}, h), BODY);
    assertForwarded(await call('/hooks/other', BODY, {}, h), BODY);
  });

  it('forwards a path under no route, hashed', async () => {
    assertForwarded(await call('/elsewhere', BODY, {}, h), BODY);
    assertForwarded(await call('/hooks', BODY, {}, h), BODY); // "/hooks/" is not a prefix of "/hooks"
  });

  it('matches prefixes case-sensitively and byte for byte', async () => {
    assertForwarded(await call('/hooks/GitHub/x', BODY, {}, h), BODY);
  });

  it('answers 400 to dot segments or encoded slashes when some route verifies', async () => {
    for (const uri of ['/hooks/../hooks/github/x', '/hooks/%2e%2E/github/x', '/hooks/..%2Fgithub/x', '/hooks/.\\github', '/./x']) {
      const result = await call(uri, BODY, {}, h);
      assert.equal(result.status, '400', uri);
    }
    assertForwarded(await call('/hooks/a..b/.well-known/x', BODY, {}, h), BODY);
  });

  it('without verified routes, even odd paths are only hashed', async () => {
    assertForwarded(await call('/a/../b', BODY, {}, createHandler({ routes: [{ path_prefix: '/a/' }] })), BODY);
    assertForwarded(await call('/a/../b', BODY, {}, createHandler()), BODY);
  });
});
