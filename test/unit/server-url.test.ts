import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ValidationError } from '../../shared/errors.js';
import { resolveNatsConnectionOptions } from '../../shared/nats/connection-options.js';
import { redactUrl, splitServerUrl } from '../../shared/nats/server-url.js';

/** Every URL shape a red-team pass leaked a secret through, with the secret it carries. */
const LEAKY: ReadonlyArray<readonly [url: string, secret: string, redacted: string]> = [
  ['nats://alice:pa/ssWORD1@host:4222', 'pa/ssWORD1', 'nats://***@host:4222'],
  ['nats://alice:pa@ssWORD2@host:4222', 'ssWORD2', 'nats://***@host:4222'],
  ['alice:pa@ssWORD3@host:4222', 'ssWORD3', '***@host:4222'],
  ['alice:plainWORD4@host', 'plainWORD4', '***@host'],
  ['tls://alice:p:a:s:sWORD5@host', 'sWORD5', 'tls://***@host'],
  ['nats://TOKENWORD6@host:4222', 'TOKENWORD6', 'nats://***@host:4222'],
  ['nats://alice:pa%2FssWORD7@host', 'WORD7', 'nats://***@host'],
  ['nats://alice:pa ss WORD8@bad host', 'WORD8', 'nats://***@bad host'],
];

test('nats url - redaction masks everything up to the last @, with or without a scheme', () => {
  for (const [url, secret, redacted] of LEAKY) {
    assert.equal(redactUrl(url), redacted, url);
    assert.ok(!redactUrl(url).includes(secret), url);
  }
  assert.equal(redactUrl('nats://host:4222'), 'nats://host:4222');
});

test('nats url - credentials come off the URL, percent-escapes decoded', () => {
  assert.deepEqual(splitServerUrl('nats://alice:pa/ss@WORD1@host:4222'), {
    server: 'nats://host:4222',
    user: 'alice',
    password: 'pa/ss@WORD1',
    token: undefined,
  });
  assert.deepEqual(splitServerUrl('nats://al%40ice:p%2Fw%3A%25@host'), {
    server: 'nats://host',
    user: 'al@ice',
    password: 'p/w:%',
    token: undefined,
  });
  // A literal % that is no escape stays as written.
  assert.equal(splitServerUrl('nats://alice:100%@host').password, '100%');
  assert.equal(splitServerUrl('nats://s3cr3t-token@host').token, 's3cr3t-token');
  assert.equal(splitServerUrl('bob:pw@host:4222').server, 'host:4222');
});

test('nats url - the connection uses the URL credentials; explicit ones win', () => {
  const fromUrl = resolveNatsConnectionOptions({ url: 'nats://alice:pa/ss@WORD1@h:4222' }, {});
  assert.deepEqual(fromUrl.servers, ['nats://h:4222']);
  assert.equal(fromUrl.user, 'alice');
  assert.equal(fromUrl.password, 'pa/ss@WORD1');
  const token = resolveNatsConnectionOptions({ url: 'nats://tok@h:4222' }, {});
  assert.equal(token.token, 'tok');
  assert.equal(token.user, undefined);
  const explicit = resolveNatsConnectionOptions(
    { url: 'nats://alice:old@h:4222', user: 'bob', password: 'new' },
    {},
  );
  assert.equal(explicit.user, 'bob');
  assert.equal(explicit.password, 'new');
  const env = resolveNatsConnectionOptions({}, { WIDTHSWEEP_NATS_URL: 'carol:pw@h:1' });
  assert.deepEqual([env.servers, env.user, env.password], [['h:1'], 'carol', 'pw']);
});

test('nats url - invalid or conflicting URLs are refused without printing a secret', () => {
  for (const url of [
    'nats://alice:SECRETWORD@',
    'nats://alice:SECRETWORD@ho st',
    'http://alice:SECRETWORD@host',
  ]) {
    assert.throws(
      () => resolveNatsConnectionOptions({ url }, {}),
      (err: unknown) =>
        err instanceof ValidationError &&
        err.field === 'nats.url[0]' &&
        !err.message.includes('SECRETWORD'),
      url,
    );
  }
  assert.throws(
    () => resolveNatsConnectionOptions({ url: 'nats://a:SECRET1@h:1,nats://a:SECRET2@h:2' }, {}),
    (err: unknown) =>
      err instanceof ValidationError && err.field === 'nats.url' && !/SECRET\d/.test(err.message),
  );
});
