/**
 * The signing-key file: rotation (new key first, two previous kept, atomic write), activation delay, the
 * public JWKS, re-reading the file when it changes, and refusing malformed files.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, jest } from '@jest/globals';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose';
import {
  ensureSigningKeys,
  generateSigningKey,
  rotateSigningKeys,
  signingKeysFromFile,
  type StoredKey,
} from './signing-keys.ts';

const directories: string[] = [];

/** A path in a fresh temporary directory (the file does not exist yet); deleted after the tests. */
async function keyPath(name = 'jwt-keys.json'): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'signing-keys-test-'));
  directories.push(directory);
  return join(directory, name);
}

async function storedKeys(path: string): Promise<StoredKey[]> {
  return (JSON.parse(await readFile(path, 'utf8')) as { keys: StoredKey[] }).keys;
}

/** Private JWK members of OKP, EC and RSA keys. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

afterEach(() => {
  jest.restoreAllMocks();
});

afterAll(async () => {
  // Private keys do not linger in /tmp.
  await Promise.all(directories.map((directory) => rm(directory, { recursive: true, force: true })));
});

describe('rotateSigningKeys', () => {
  it('creates a missing file (and its directory) with one active private EdDSA key, readable by its owner only', async () => {
    const path = join(await keyPath(), 'nested', 'dir', 'keys.json');
    const before = Date.now();
    const key = await rotateSigningKeys(path, { activationDelayMs: 0 });

    expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(key.d).toEqual(expect.any(String));
    expect(key.kid).toMatch(/^[\w-]{43}$/); // the RFC 7638 thumbprint
    expect(key.activatesAt).toBeGreaterThanOrEqual(before);
    expect(key.activatesAt).toBeLessThanOrEqual(Date.now());
    expect(await storedKeys(path)).toEqual([key]);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('puts the new key first and keeps only the two previous ones', async () => {
    const path = await keyPath();
    const kids: string[] = [];
    for (let i = 0; i < 4; i++)
      kids.push((await rotateSigningKeys(path, { activationDelayMs: 0 })).kid ?? '');
    expect(new Set(kids).size).toBe(4);
    expect((await storedKeys(path)).map((key) => key.kid)).toEqual([kids[3], kids[2], kids[1]]);

    const fifth = await rotateSigningKeys(path, { activationDelayMs: 0, keep: 0 });
    expect((await storedKeys(path)).map((key) => key.kid)).toEqual([fifth.kid]);
  });

  it('sets the activation time after the delay', async () => {
    const path = await keyPath();
    const before = Date.now();
    const key = await rotateSigningKeys(path, { activationDelayMs: 120_000 });
    expect(key.activatesAt).toBeGreaterThanOrEqual(before + 120_000);
    expect(key.activatesAt).toBeLessThanOrEqual(Date.now() + 120_000);
  });

  it('makes ES256 keys on request', async () => {
    const path = await keyPath();
    const key = await rotateSigningKeys(path, { activationDelayMs: 0, alg: 'ES256' });
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    const current = await signingKeysFromFile(path).current();
    expect(current).toMatchObject({ kid: key.kid, alg: 'ES256' });
  });
});

describe('signingKeysFromFile', () => {
  it('signs with the newest active key, and its public JWKS verifies what it signs', async () => {
    const path = await keyPath();
    await rotateSigningKeys(path, { activationDelayMs: 0 });
    const newest = await rotateSigningKeys(path, { activationDelayMs: 0 });
    const keys = signingKeysFromFile(path);

    const current = await keys.current();
    expect(current.kid).toBe(newest.kid);
    expect(current.alg).toBe('EdDSA');

    const token = await new SignJWT({ role: 'CUSTOMER' })
      .setProtectedHeader({ alg: current.alg, kid: current.kid })
      .setSubject('1')
      .setExpirationTime('1m')
      .sign(current.privateKey);
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(await keys.publicJwks()));
    expect(payload).toMatchObject({ sub: '1', role: 'CUSTOMER' });
    expect(protectedHeader.kid).toBe(newest.kid);
  });

  it('publishes only the public half of every key, newest first', async () => {
    const path = await keyPath();
    const stored = [
      await rotateSigningKeys(path, { activationDelayMs: 0, alg: 'ES256' }),
      await rotateSigningKeys(path, { activationDelayMs: 0 }),
      await rotateSigningKeys(path, { activationDelayMs: 60_000 }),
    ].reverse();
    const jwks = await signingKeysFromFile(path).publicJwks();

    expect(jwks.keys.map((key) => key.kid)).toEqual(stored.map((key) => key.kid));
    for (const key of jwks.keys) {
      for (const member of [...PRIVATE_MEMBERS, 'activatesAt']) expect(key).not.toHaveProperty(member);
    }
    const [pending, okp, ec] = stored;
    expect(jwks.keys).toEqual([
      { kty: 'OKP', crv: 'Ed25519', x: pending?.x, kid: pending?.kid, alg: 'EdDSA', use: 'sig' },
      { kty: 'OKP', crv: 'Ed25519', x: okp?.x, kid: okp?.kid, alg: 'EdDSA', use: 'sig' },
      { kty: 'EC', crv: 'P-256', x: ec?.x, y: ec?.y, kid: ec?.kid, alg: 'ES256', use: 'sig' },
    ]);
    expect(JSON.stringify(jwks)).not.toContain(stored[0]?.d ?? 'no private part');
  });

  it('publishes a key with a future activation at once but keeps signing with the previous one', async () => {
    const path = await keyPath();
    const active = await rotateSigningKeys(path, { activationDelayMs: 0 });
    const pending = await rotateSigningKeys(path, { activationDelayMs: 60_000 });
    const keys = signingKeysFromFile(path);

    expect((await keys.current()).kid).toBe(active.kid);
    expect((await keys.publicJwks()).keys.map((key) => key.kid)).toEqual([pending.kid, active.kid]);

    // Once the delay has passed, the new key signs.
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 60_001);
    expect((await keys.current()).kid).toBe(pending.kid);
  });

  it('signs with the oldest key while none is active yet (a fresh file whose only key is pending)', async () => {
    const path = await keyPath();
    const only = await rotateSigningKeys(path, { activationDelayMs: 60_000 });
    expect((await signingKeysFromFile(path).current()).kid).toBe(only.kid);

    const later = await rotateSigningKeys(path, { activationDelayMs: 120_000 });
    const keys = signingKeysFromFile(path);
    expect((await keys.current()).kid).toBe(only.kid);
    expect((await keys.publicJwks()).keys.map((key) => key.kid)).toEqual([later.kid, only.kid]);
  });

  it('notices a rotation without a restart once the file is checked again (at most every 5 s)', async () => {
    const path = await keyPath();
    const first = await rotateSigningKeys(path, { activationDelayMs: 0 });
    const keys = signingKeysFromFile(path);
    expect((await keys.current()).kid).toBe(first.kid);

    const second = await rotateSigningKeys(path, { activationDelayMs: 0 });
    // Within 5 s of the last check, the loaded keys are used as they are.
    expect((await keys.current()).kid).toBe(first.kid);

    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 5_001);
    expect((await keys.current()).kid).toBe(second.kid);
    expect((await keys.publicJwks()).keys.map((key) => key.kid)).toEqual([second.kid, first.kid]);
  });
});

describe('malformed key files', () => {
  async function fileWith(content: string): Promise<string> {
    const path = await keyPath();
    await writeFile(path, content);
    return path;
  }

  it('fails on a missing file', async () => {
    const path = await keyPath();
    await expect(signingKeysFromFile(path).current()).rejects.toThrow('ENOENT');
  });

  it('fails on a file that is not JSON', async () => {
    const path = await fileWith('{"keys": [');
    await expect(signingKeysFromFile(path).current()).rejects.toThrow(SyntaxError);
  });

  it('fails on a file without keys', async () => {
    for (const content of ['{}', '{"keys": []}']) {
      const path = await fileWith(content);
      await expect(signingKeysFromFile(path).current()).rejects.toThrow(`${path} holds no signing keys`);
      await expect(signingKeysFromFile(path).publicJwks()).rejects.toThrow('holds no signing keys');
    }
  });

  it('fails on a key that is public only, has no kid, or uses another algorithm', async () => {
    const good = await generateSigningKey();
    const publicOnly: JWK = { ...good, d: undefined };
    const withoutKid: JWK = { ...good, kid: undefined };
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const rsa: JWK = { ...(await exportJWK(privateKey)), alg: 'RS256', kid: 'rsa' };
    const hmac: JWK = { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0', alg: 'HS256', kid: 'hmac' };
    const none: JWK = { ...good, alg: 'none' };

    for (const key of [publicOnly, withoutKid, rsa, hmac, none]) {
      const path = await fileWith(JSON.stringify({ keys: [good, key] }));
      await expect(signingKeysFromFile(path).current()).rejects.toThrow(
        `${path}: every key must be a private EdDSA or ES256 JWK with a kid`,
      );
    }
  });

  it('fails on key material that does not import', async () => {
    const good = await generateSigningKey();
    const path = await fileWith(JSON.stringify({ keys: [{ ...good, d: 'AAAA' }] }));
    await expect(signingKeysFromFile(path).current()).rejects.toThrow();
  });
});

describe('ensureSigningKeys', () => {
  it('creates a key file once and leaves an existing one alone', async () => {
    const path = await keyPath();
    await ensureSigningKeys(path);
    const created = await storedKeys(path);
    expect(created).toHaveLength(1);
    expect(created[0]?.activatesAt).toBeLessThanOrEqual(Date.now());

    await ensureSigningKeys(path);
    expect(await storedKeys(path)).toEqual(created);
  });
});
