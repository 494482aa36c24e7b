/**
 * The token verifier against a real JWKS endpoint whose keys and health the tests change: valid tokens,
 * the JWKS down (503 without keys, the last good keys while they are fresh enough), a withdrawn key (no
 * longer accepted within the refresh interval, cached verifications included), a token older than its
 * lifetime, and the cache of verified tokens.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { GraphQLError } from 'graphql';
import { importJWK, SignJWT, type JSONWebKeySet, type JWK } from 'jose';
import { issueAccessToken } from '../subgraphs/users/access-token.ts';
import {
  generateSigningKey,
  rotateSigningKeys,
  signingKeysFromFile,
} from '../subgraphs/users/signing-keys.ts';
import { removeKeysFile, temporaryKeysFile, TEST_TOKEN_SETTINGS } from '../test/support/services.ts';
import { sleep } from '../test/support/waiting.ts';
import { createTokenVerifier, type TokenVerification } from './token-verifier.ts';

const SESSION = '0f8fad5b-d9cb-469f-a165-70867728950e';
let keysFile: string;
let server: Server;
let jwksUrl: string;
/** What the JWKS endpoint serves: its keys, or a failure status. */
let served: { status: number; jwks: JSONWebKeySet };
let fetches = 0;

beforeAll(async () => {
  keysFile = await temporaryKeysFile();
  await rotateSigningKeys(keysFile, { activationDelayMs: 0 });
  server = createServer((_, res) => {
    fetches += 1;
    res.statusCode = served.status;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(served.status === 200 ? served.jwks : { error: 'boom' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});

beforeEach(async () => {
  served = { status: 200, jwks: await signingKeysFromFile(keysFile).publicJwks() };
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await removeKeysFile(keysFile);
});

const verifierFor = (overrides: Partial<TokenVerification> = {}) =>
  createTokenVerifier({
    jwksUrl,
    ...TEST_TOKEN_SETTINGS,
    clockToleranceSeconds: 30,
    jwksCooldownMs: 0,
    jwksRefreshMs: 30_000,
    jwksMaxStaleMs: 600_000,
    maxTokenAgeSeconds: 600,
    ...overrides,
  });

const tokenFor = (userId: number, ttlSeconds = TEST_TOKEN_SETTINGS.ttlSeconds) =>
  issueAccessToken({ userId, role: 'PHARMACIST', sessionId: SESSION }, signingKeysFromFile(keysFile), {
    ...TEST_TOKEN_SETTINGS,
    ttlSeconds,
  });

/** The public half of a private JWK, as a JWKS serves it. */
function publicJwkOf(privateJwk: JWK, kid: string): JWK {
  const publicJwk: JWK = { ...privateJwk, kid, use: 'sig' };
  delete publicJwk.d;
  return publicJwk;
}

const failureOf = (attempt: Promise<unknown>) =>
  attempt.then(
    () => undefined,
    (error: GraphQLError) => error,
  );

describe('createTokenVerifier', () => {
  it('returns the viewer of a valid token, and null without an Authorization header', async () => {
    const verify = verifierFor();
    const verifiedAt = Date.now();
    const viewer = await verify(`Bearer ${await tokenFor(42)}`);
    expect(viewer).toEqual({
      userId: 42,
      role: 'PHARMACIST',
      sessionId: SESSION,
      acceptedUntil: expect.any(Number),
    });
    // Accepted until the token's exp (issued with TEST_TOKEN_SETTINGS.ttlSeconds) plus the 30 s tolerance.
    const expected = verifiedAt + (TEST_TOKEN_SETTINGS.ttlSeconds + 30) * 1000;
    expect(Math.abs((viewer?.acceptedUntil ?? 0) - expected)).toBeLessThan(5_000);
    expect(await verify(undefined)).toBeNull();
  });

  it('answers SERVICE_UNAVAILABLE (503), not UNAUTHENTICATED, when it never had the keys', async () => {
    served.status = 500;
    expect(await failureOf(verifierFor()(`Bearer ${await tokenFor(1)}`))).toMatchObject({
      extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } },
    });
    const down = createTokenVerifier({
      ...TEST_TOKEN_SETTINGS,
      jwksUrl: 'http://127.0.0.1:9/.well-known/jwks.json',
      clockToleranceSeconds: 30,
      jwksCooldownMs: 0,
      jwksRefreshMs: 30_000,
      jwksMaxStaleMs: 600_000,
      maxTokenAgeSeconds: 600,
    });
    expect(await failureOf(down(`Bearer ${await tokenFor(1)}`))).toMatchObject({
      extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } },
    });
  });

  it('keeps verifying new tokens with the last good keys while the JWKS is down, for JWKS_MAX_STALE_MS', async () => {
    const verify = verifierFor({ jwksRefreshMs: 100, jwksMaxStaleMs: 1_500 });
    expect(await verify(`Bearer ${await tokenFor(1)}`)).toMatchObject({ userId: 1 });
    served.status = 500;
    await sleep(300);
    // Past the refresh interval, the refresh fails: the last good keys verify a token never seen before.
    expect(await verify(`Bearer ${await tokenFor(2)}`)).toMatchObject({ userId: 2 });
    await sleep(1_400);
    // Past JWKS_MAX_STALE_MS the keys are too old to trust.
    expect(await failureOf(verify(`Bearer ${await tokenFor(3)}`))).toMatchObject({
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
  });

  it('asks a failing JWKS again only after a pause, and stops trusting remembered tokens past JWKS_MAX_STALE_MS', async () => {
    const verify = verifierFor({ jwksRefreshMs: 100, jwksMaxStaleMs: 1_000 });
    const remembered = `Bearer ${await tokenFor(11)}`;
    expect(await verify(remembered)).toMatchObject({ userId: 11 });
    served.status = 500;
    await sleep(200);
    const before = fetches;
    for (let n = 0; n < 10; n++) expect(await verify(`Bearer ${await tokenFor(20 + n)}`)).toMatchObject({});
    // One failed fetch, then the last good keys without asking again for every request.
    expect(fetches - before).toBe(1);
    await sleep(1_000);
    expect(await failureOf(verify(remembered))).toMatchObject({
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
  });

  it('stops accepting a key withdrawn from the JWKS within JWKS_REFRESH_MS, remembered tokens included', async () => {
    const verify = verifierFor({ jwksRefreshMs: 500 });
    const token = `Bearer ${await tokenFor(5)}`;
    expect(await verify(token)).toMatchObject({ userId: 5 });
    // The key is withdrawn: the JWKS now holds only a new key.
    served.jwks = { keys: [publicJwkOf(await generateSigningKey(), 'replacement')] };
    // Remembered for up to a minute otherwise; refused once the refreshed set lacks its key.
    await sleep(600);
    expect(await failureOf(verify(token))).toMatchObject({
      message: 'the access token is not valid',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('accepts a token signed with a key the JWKS gained since its last fetch (a rotation), at once', async () => {
    const verify = verifierFor();
    expect(await verify(`Bearer ${await tokenFor(6)}`)).toMatchObject({ userId: 6 });
    const rotated = (await generateSigningKey()) as JWK & { alg: string };
    served.jwks = { keys: [...served.jwks.keys, publicJwkOf(rotated, 'rotated')] };
    const signed = await new SignJWT({ role: 'ADMIN', sid: SESSION })
      .setProtectedHeader({ alg: rotated.alg, kid: 'rotated' })
      .setSubject('7')
      .setIssuer(TEST_TOKEN_SETTINGS.issuer)
      .setAudience(TEST_TOKEN_SETTINGS.audience)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(await importJWK(rotated, rotated.alg));
    expect(await verify(`Bearer ${signed}`)).toMatchObject({ userId: 7, role: 'ADMIN' });
  });

  it('refuses a token issued longer ago than ACCESS_TOKEN_MAX_AGE_SECONDS, whatever its exp', async () => {
    const { kid, alg, privateKey } = await signingKeysFromFile(keysFile).current();
    const issuedLongAgo = await new SignJWT({ role: 'ADMIN' })
      .setProtectedHeader({ alg, kid })
      .setSubject('8')
      .setIssuer(TEST_TOKEN_SETTINGS.issuer)
      .setAudience(TEST_TOKEN_SETTINGS.audience)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3_600)
      .setExpirationTime('1h')
      .sign(privateKey);
    expect(
      await failureOf(verifierFor({ maxTokenAgeSeconds: 600 })(`Bearer ${issuedLongAgo}`)),
    ).toMatchObject({
      message: 'the access token has expired: log in again',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('refuses a token that belongs to no session', async () => {
    const { kid, alg, privateKey } = await signingKeysFromFile(keysFile).current();
    const sessionless = await new SignJWT({ role: 'ADMIN' })
      .setProtectedHeader({ alg, kid })
      .setSubject('8')
      .setIssuer(TEST_TOKEN_SETTINGS.issuer)
      .setAudience(TEST_TOKEN_SETTINGS.audience)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await failureOf(verifierFor()(`Bearer ${sessionless}`))).toMatchObject({
      message: 'the access token belongs to no session: log in again',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });

  it('remembers a verified token without asking the JWKS again, and only until the token expires', async () => {
    const shortLived = await tokenFor(9, 2);
    const verify = verifierFor({ clockToleranceSeconds: 0 });
    expect(await verify(`Bearer ${shortLived}`)).toMatchObject({ userId: 9, role: 'PHARMACIST' });
    const before = fetches;
    served.status = 500;
    expect(await verify(`Bearer ${shortLived}`)).toMatchObject({ userId: 9, role: 'PHARMACIST' });
    expect(fetches).toBe(before);
    served.status = 200;
    await sleep(2_200);
    expect(await failureOf(verify(`Bearer ${shortLived}`))).toMatchObject({
      message: 'the access token has expired: log in again',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });
});
