// Shared test helpers: CloudFront origin-request events, independent signers, temp copies of
// the handler. (Test runners may load this file as a test file too; it defines no tests.)

import { createHash, createHmac } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HANDLER_PATH = fileURLToPath(new URL('../index.mjs', import.meta.url));
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export const sha256Hex = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** HMAC-SHA256 of the concatenated parts, computed here independently of the handler. */
export const hmac = (key, ...parts) => {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
};

/**
 * A CloudFront origin-request event shaped like the real one.
 * @param body Buffer or string (sent base64 unless encoding 'text'); undefined = empty body
 * @param includeBody false = trigger without Include body (no `body` field at all)
 * @param headers plain {name: value} (value may be an array for repeated headers)
 */
export function makeEvent({
  uri = '/',
  method = 'POST',
  querystring = '',
  headers = {},
  body,
  encoding = 'base64',
  inputTruncated = false,
  includeBody = true,
} = {}) {
  const cfHeaders = {
    host: [{ key: 'Host', value: 'abcdefghijklmnopqrstuvwxyz234567.lambda-url.us-east-1.on.aws' }],
  };
  for (const [name, value] of Object.entries(headers)) {
    cfHeaders[name.toLowerCase()] = [].concat(value).map((v) => ({ key: name, value: v }));
  }
  const request = {
    clientIp: '203.0.113.178',
    headers: cfHeaders,
    method,
    origin: {
      custom: {
        customHeaders: {},
        domainName: 'abcdefghijklmnopqrstuvwxyz234567.lambda-url.us-east-1.on.aws',
        keepaliveTimeout: 5,
        path: '',
        port: 443,
        protocol: 'https',
        readTimeout: 30,
        sslProtocols: ['TLSv1.2'],
      },
    },
    querystring,
    uri,
  };
  if (includeBody) {
    const bytes = body === undefined ? Buffer.alloc(0) : Buffer.from(body);
    request.body = {
      action: 'read-only',
      data: encoding === 'text' ? bytes.toString('utf8') : bytes.toString('base64'),
      encoding,
      inputTruncated,
    };
  }
  return {
    Records: [
      {
        cf: {
          config: {
            distributionDomainName: 'd111111abcdef8.cloudfront.net',
            distributionId: 'EDFDVBD6EXAMPLE',
            eventType: 'origin-request',
            requestId: '4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==',
          },
          request,
        },
      },
    ],
  };
}

/** The x-amz-content-sha256 header list of a forwarded request. */
export const contentHashHeader = (result) => result.headers['x-amz-content-sha256'];

/** Asserts-friendly view of a generated response: status and parsed JSON body. */
export const responseOf = (result) => ({ status: result.status, body: JSON.parse(result.body) });

/**
 * Copies the real index.mjs into a fresh temp dir, with config.json holding `configText` (or no
 * config.json when it is undefined). Returns {dir, path, cleanup}.
 */
export function handlerCopy(configText) {
  const dir = mkdtempSync(join(tmpdir(), 'edge-handler-'));
  const path = join(dir, 'index.mjs');
  copyFileSync(HANDLER_PATH, path);
  if (configText !== undefined) writeFileSync(join(dir, 'config.json'), configText);
  return { dir, path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
