/** The token verifier against real JWKS endpoints: a good one, a failing one and one that is down. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { GraphQLError } from 'graphql';
import { issueAccessToken } from '../../subgraphs/users/access-token.ts';
import { rotateSigningKeys, signingKeysFromFile } from '../../subgraphs/users/signing-keys.ts';
import { removeKeysFile, temporaryKeysFile, TEST_TOKEN_SETTINGS } from '../../test/support/services.ts';
import { sleep } from '../../test/support/waiting.ts';
import { createTokenVerifier } from './auth.plugin.ts';

describe('createTokenVerifier', () => {
  let keysFile: string;
  let token: string;
  let jwksStatus = 200;
  let server: Server;
  let jwksUrl: string;

  beforeAll(async () => {
    keysFile = await temporaryKeysFile();
    await rotateSigningKeys(keysFile, { activationDelayMs: 0 });
    const keys = signingKeysFromFile(keysFile);
    token = await issueAccessToken({ userId: 42, role: 'PHARMACIST' }, keys, TEST_TOKEN_SETTINGS);
    server = createServer((_, res) => {
      void keys.publicJwks().then((jwks) => {
        res.statusCode = jwksStatus;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify(jwksStatus === 200 ? jwks : { error: 'boom' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await removeKeysFile(keysFile);
  });

  const verifierFor = (url: string) =>
    createTokenVerifier({
      jwksUrl: url,
      ...TEST_TOKEN_SETTINGS,
      clockToleranceSeconds: 30,
      jwksCooldownMs: 0,
    });

  it('returns the viewer of a valid token, and null without an Authorization header', async () => {
    const verify = verifierFor(jwksUrl);
    expect(await verify(`Bearer ${token}`)).toEqual({
      userId: 42,
      role: 'PHARMACIST',
      expiresAt: expect.any(Number),
    });
    expect(await verify(undefined)).toBeNull();
  });

  it('answers SERVICE_UNAVAILABLE (503), not UNAUTHENTICATED, when the JWKS cannot be fetched', async () => {
    jwksStatus = 500;
    const failing = await verifierFor(jwksUrl)(`Bearer ${token}`).catch((error: GraphQLError) => error);
    jwksStatus = 200;
    expect(failing).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } } });

    const down = await verifierFor('http://127.0.0.1:9/.well-known/jwks.json')(`Bearer ${token}`).catch(
      (error: GraphQLError) => error,
    );
    expect(down).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } } });
  });

  it('remembers a verified token without asking the JWKS again, and only until the token expires', async () => {
    const shortLived = await issueAccessToken(
      { userId: 7, role: 'CUSTOMER' },
      signingKeysFromFile(keysFile),
      {
        ...TEST_TOKEN_SETTINGS,
        ttlSeconds: 2,
      },
    );
    const verify = createTokenVerifier({
      jwksUrl,
      ...TEST_TOKEN_SETTINGS,
      clockToleranceSeconds: 0,
      jwksCooldownMs: 0,
    });
    expect(await verify(`Bearer ${shortLived}`)).toMatchObject({ userId: 7, role: 'CUSTOMER' });

    // The keys cannot be fetched now: a remembered token needs none.
    jwksStatus = 500;
    try {
      expect(await verify(`Bearer ${shortLived}`)).toMatchObject({ userId: 7, role: 'CUSTOMER' });
    } finally {
      jwksStatus = 200;
    }

    await sleep(2_200);
    await expect(verify(`Bearer ${shortLived}`)).rejects.toMatchObject({
      message: 'the access token has expired: log in again',
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });
});
