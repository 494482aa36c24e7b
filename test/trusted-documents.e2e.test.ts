/**
 * Trusted documents through the real router, in every mode: `enforce` (production's default) runs only the
 * manifest's operations, by hash or by their exact text, and refuses anything else before parsing,
 * automatic persisted query registration and subscriptions included; `allow` runs both and answers an
 * unknown hash with PERSISTED_QUERY_NOT_FOUND so the SDK sends the text; `off` is Apollo Server's own
 * behaviour (automatic persisted queries). The manifest is re-read on SIGHUP and periodically.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient } from 'graphql-ws';
import { WebSocket } from 'ws';
import { DEFAULT_TRUSTED_DOCUMENTS_MANIFEST } from '../router/config.ts';
import { documentHash, readManifestFile } from '../router/trusted-document-manifest.ts';
import { apiErrorOf, asViewer } from './support/client.ts';
import { dataOf, sendGraphQL, singleError, type GraphQLResponse } from './support/graphql.ts';
import { startTestRouter, subgraphUrlEnv, type TestRouter } from './support/routers.ts';
import { bearer, startTestStack, type TestStack } from './support/services.ts';
import { waitFor } from './support/waiting.ts';

const manifest = readManifestFile(DEFAULT_TRUSTED_DOCUMENTS_MANIFEST);
/** The manifest's hash and text of the operation named `name`. */
function trusted(name: string): { hash: string; text: string } {
  for (const [hash, text] of manifest) {
    if (new RegExp(`(query|mutation|subscription) ${name}\\b`).test(text)) return { hash, text };
  }
  throw new Error(`no ${name} in the manifest`);
}
const CATEGORIES = trusted('Categories');
const ALERTS = trusted('LowStockAlerts');
/** Hand-written: in no manifest. */
const HAND_WRITTEN = '{ categories }';
const INTROSPECTION = '{ __schema { queryType { name } } }';

let stack: TestStack;
/** NODE_ENV=production without TRUSTED_DOCUMENTS: enforce by default. */
let production: TestRouter;
let allow: TestRouter;
let off: TestRouter;
let staffBypass: TestRouter;
let customer: Record<string, string>;
let admin: Record<string, string>;
let pharmacistToken: string;
let workDir: string;

function post(
  router: { url: string },
  body: object,
  headers: Record<string, string>,
): Promise<GraphQLResponse> {
  return sendGraphQL(router.url, JSON.stringify(body), headers);
}
const byHash = (hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });

function expectRefused(response: GraphQLResponse, code = 'PERSISTED_QUERY_NOT_ALLOWED', status = 400): void {
  expect({ status: response.status, code: singleError(response).extensions?.code }).toEqual({ status, code });
  expect(response.body.data ?? undefined).toBeUndefined();
}

beforeAll(async () => {
  // The stack's own router enforces (it is the one on the bus, for subscriptions).
  stack = await startTestStack({ routerEnv: { TRUSTED_DOCUMENTS: 'enforce' } });
  const urls = subgraphUrlEnv(stack);
  [production, allow, off, staffBypass] = await Promise.all([
    startTestRouter(urls, { NODE_ENV: 'production' }),
    startTestRouter(urls),
    startTestRouter(urls, { TRUSTED_DOCUMENTS: 'off' }),
    startTestRouter(urls, { NODE_ENV: 'production', TRUSTED_DOCUMENTS_STAFF_BYPASS: 'true' }),
  ]);
  customer = bearer(await stack.tokenFor({ userId: 2, role: 'CUSTOMER' }));
  admin = bearer(await stack.tokenFor({ userId: 1, role: 'ADMIN' }));
  pharmacistToken = await stack.tokenFor({ userId: 3, role: 'PHARMACIST' });
  workDir = await mkdtemp(join(tmpdir(), 'trusted-documents-'));
});

afterAll(async () => {
  await Promise.all([production, allow, off, staffBypass].map((router) => router?.close()));
  await stack?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('enforce (production by default)', () => {
  it('runs a known hash sent without text, as Apollo clients send it or as documentId', async () => {
    for (const body of [
      byHash(CATEGORIES.hash),
      { documentId: CATEGORIES.hash },
      { documentId: `sha256:${CATEGORIES.hash}` },
    ]) {
      expect(dataOf(await post(production, body, customer))).toHaveProperty('categories');
    }
  });

  it("runs the manifest's exact text, with or without its hash", async () => {
    expect(dataOf(await post(production, { query: CATEGORIES.text }, customer))).toHaveProperty('categories');
    const withHash = { query: CATEGORIES.text, ...byHash(CATEGORIES.hash) };
    expect(dataOf(await post(production, withHash, customer))).toHaveProperty('categories');
  });

  it('refuses any other text, introspection included, before parsing', async () => {
    expectRefused(await post(production, { query: HAND_WRITTEN }, customer));
    expectRefused(await post(production, { query: INTROSPECTION }, customer));
    // Not even parsed: a syntax error is refused as untrusted, not reported as a parse failure.
    expectRefused(await post(production, { query: '{ categories ' }, customer));
  });

  it('refuses an unknown hash and the registration of an automatic persisted query', async () => {
    expectRefused(await post(production, byHash(documentHash(HAND_WRITTEN)), customer));
    expectRefused(await post(production, { documentId: documentHash(HAND_WRITTEN) }, customer));
    const registration = { query: HAND_WRITTEN, ...byHash(documentHash(HAND_WRITTEN)) };
    expectRefused(await post(production, registration, customer));
    expectRefused(await post(production, byHash(documentHash(HAND_WRITTEN)), customer));
  });

  it('refuses a hash that is not one: too long, not hex', async () => {
    for (const hash of [`${CATEGORIES.hash}00`, 'x'.repeat(64), 'a'.repeat(10_000)]) {
      expectRefused(await post(production, byHash(hash), customer), 'BAD_REQUEST');
    }
  });

  it('still needs a token for a trusted operation', async () => {
    expectRefused(await post(production, byHash(CATEGORIES.hash), {}), 'UNAUTHENTICATED', 401);
  });

  it('serves the SDK, which sends hashes only', async () => {
    expect(
      (await asViewer(production.url, customer.authorization?.slice(7)).categories()).categories,
    ).toEqual(expect.any(Array));
  });

  it('lets an administrator run anything with TRUSTED_DOCUMENTS_STAFF_BYPASS=true, and no one else', async () => {
    expect(dataOf(await post(staffBypass, { query: HAND_WRITTEN }, admin))).toHaveProperty('categories');
    expectRefused(await post(staffBypass, { query: HAND_WRITTEN }, customer));
    expectRefused(await post(production, { query: HAND_WRITTEN }, admin));
  });

  it('admits subscriptions over graphql-ws by the same rule', async () => {
    const client = createClient({
      url: stack.routerUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${pharmacistToken}` },
      retryAttempts: 0,
    });
    const outcome = (payload: { query: string; extensions?: Record<string, unknown> }) =>
      new Promise<unknown>((resolve) => {
        const unsubscribe = client.subscribe(payload, {
          next: (result) => resolve(result),
          error: (error) => resolve(error),
          complete: () => resolve('complete'),
        });
        // No answer for a while: the subscription is open, waiting for alerts.
        setTimeout(() => {
          unsubscribe();
          resolve('open');
        }, 500);
      });
    try {
      const codes = (answer: unknown) =>
        (answer as { extensions?: { code?: unknown } }[]).map((error) => error.extensions?.code);
      expect(codes(await outcome({ query: 'subscription { lowStockAlerts { id } }' }))).toEqual([
        'PERSISTED_QUERY_NOT_ALLOWED',
      ]);
      expect(codes(await outcome({ query: '', ...byHash(documentHash(HAND_WRITTEN)) }))).toEqual([
        'PERSISTED_QUERY_NOT_ALLOWED',
      ]);
      expect(await outcome({ query: '', ...byHash(ALERTS.hash) })).toBe('open');
      expect(await outcome({ query: ALERTS.text })).toBe('open');
    } finally {
      await client.dispose();
    }
  });
});

describe('allow (development by default)', () => {
  it('runs trusted and unknown operations alike', async () => {
    expect(dataOf(await post(allow, byHash(CATEGORIES.hash), customer))).toHaveProperty('categories');
    expect(dataOf(await post(allow, { query: HAND_WRITTEN }, customer))).toHaveProperty('categories');
  });

  it('answers an unknown hash with PERSISTED_QUERY_NOT_FOUND, so the client sends its text', async () => {
    expectRefused(
      await post(allow, byHash(documentHash(HAND_WRITTEN)), customer),
      'PERSISTED_QUERY_NOT_FOUND',
      200,
    );
  });
});

describe('off', () => {
  it("is Apollo Server's automatic persisted queries: an unknown hash is registered with its text", async () => {
    const text = `{ categories } # ${randomBytes(4).toString('hex')}`;
    const hash = documentHash(text);
    expectRefused(await post(off, byHash(hash), customer), 'PERSISTED_QUERY_NOT_FOUND', 200);
    expect(dataOf(await post(off, { query: text, ...byHash(hash) }, customer))).toHaveProperty('categories');
    expect(dataOf(await post(off, byHash(hash), customer))).toHaveProperty('categories');
  });
});

describe('the SDK against a router whose manifest lacks its operations', () => {
  it('sends the text after PERSISTED_QUERY_NOT_FOUND in allow, and is refused in enforce', async () => {
    const empty = join(workDir, 'empty.json');
    await writeFile(empty, '{}');
    const [allowing, enforcing] = await Promise.all([
      startTestRouter(subgraphUrlEnv(stack), { TRUSTED_DOCUMENTS_MANIFEST: empty }),
      startTestRouter(subgraphUrlEnv(stack), {
        TRUSTED_DOCUMENTS: 'enforce',
        TRUSTED_DOCUMENTS_MANIFEST: empty,
      }),
    ]);
    try {
      const token = customer.authorization?.slice(7);
      const client = asViewer(allowing.url, token);
      expect((await client.categories()).categories).toEqual(expect.any(Array));
      expect((await client.categories()).categories).toEqual(expect.any(Array));
      expect((await apiErrorOf(asViewer(enforcing.url, token).categories())).code).toBe(
        'PERSISTED_QUERY_NOT_ALLOWED',
      );
    } finally {
      await Promise.all([allowing.close(), enforcing.close()]);
    }
  });
});

describe('a manifest that changes', () => {
  it('is read again on SIGHUP and every TRUSTED_DOCUMENTS_RELOAD_MS, without a restart', async () => {
    const onHangUp = join(workDir, 'on-hang-up.json');
    const periodic = join(workDir, 'periodic.json');
    await Promise.all([writeFile(onHangUp, '{}'), writeFile(periodic, '{}')]);
    const hangUpListeners = process.listenerCount('SIGHUP');
    const [hangUpRouter, periodicRouter] = await Promise.all([
      startTestRouter(subgraphUrlEnv(stack), {
        TRUSTED_DOCUMENTS: 'enforce',
        TRUSTED_DOCUMENTS_MANIFEST: onHangUp,
        TRUSTED_DOCUMENTS_RELOAD_MS: '0',
      }),
      startTestRouter(subgraphUrlEnv(stack), {
        TRUSTED_DOCUMENTS: 'enforce',
        TRUSTED_DOCUMENTS_MANIFEST: periodic,
        TRUSTED_DOCUMENTS_RELOAD_MS: '100',
      }),
    ]);
    try {
      // One listener of the process reloads every open router's manifest, however many are open.
      expect(process.listenerCount('SIGHUP') - hangUpListeners).toBeLessThanOrEqual(1);
      const release = JSON.stringify({ [`sha256:${CATEGORIES.hash}`]: CATEGORIES.text });
      for (const router of [hangUpRouter, periodicRouter]) {
        expectRefused(await post(router, byHash(CATEGORIES.hash), customer));
      }
      await Promise.all([writeFile(onHangUp, release), writeFile(periodic, release)]);
      await waitFor(
        'the periodic reload',
        async () => (await post(periodicRouter, byHash(CATEGORIES.hash), customer)).status === 200,
      );
      expectRefused(await post(hangUpRouter, byHash(CATEGORIES.hash), customer));
      process.emit('SIGHUP', 'SIGHUP');
      await waitFor(
        'the reload on SIGHUP',
        async () => (await post(hangUpRouter, byHash(CATEGORIES.hash), customer)).status === 200,
      );
      // A broken manifest leaves the last good one in place.
      await writeFile(onHangUp, '{ not json');
      process.emit('SIGHUP', 'SIGHUP');
      expect(dataOf(await post(hangUpRouter, byHash(CATEGORIES.hash), customer))).toHaveProperty(
        'categories',
      );
    } finally {
      await Promise.all([hangUpRouter.close(), periodicRouter.close()]);
    }
    expect(process.listenerCount('SIGHUP')).toBe(hangUpListeners);
  });
});
