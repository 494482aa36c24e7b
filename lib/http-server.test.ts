import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApolloServer } from '@apollo/server';
import { pino } from 'pino';
import { listenGraphQL, type RunningServer } from './http-server.ts';
import { REQUEST_ID_HEADER } from './logger.ts';

describe('service HTTP server', () => {
  let server: RunningServer;
  let origin: string;
  let ready = true;
  let seenRequestIds: string[] = [];
  let releaseSlowRequest: () => void = () => {};

  beforeAll(async () => {
    const apollo = new ApolloServer<{ requestId: string }>({
      typeDefs: 'type Query { hello: String slow: String }',
      resolvers: {
        Query: {
          hello: (_: unknown, __: unknown, { requestId }: { requestId: string }) => {
            seenRequestIds.push(requestId);
            return 'world';
          },
          slow: () => new Promise<string>((resolve) => (releaseSlowRequest = () => resolve('done'))),
        },
      },
    });
    server = await listenGraphQL(
      {
        logger: pino({ level: 'silent' }),
        apollo,
        maxBodyBytes: 2_000,
        shutdownTimeoutMs: 5_000,
        checkReadiness: async () => {
          if (!ready) throw new Error('database unreachable');
        },
        context: async ({ requestId }) => ({ requestId }),
      },
      '127.0.0.1',
      0,
    );
    origin = new URL(server.url).origin;
  });

  afterAll(() => server.close());

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('answers GraphQL and gives every request an id, keeping a well-formed one from the caller', async () => {
    seenRequestIds = [];
    const generated = await post('{"query":"{ hello }"}');
    expect(await generated.json()).toEqual({ data: { hello: 'world' } });
    expect(generated.headers.get(REQUEST_ID_HEADER)).toMatch(/^[0-9a-f-]{36}$/);

    const kept = await post('{"query":"{ hello }"}', { [REQUEST_ID_HEADER]: 'client-trace-42' });
    expect(kept.headers.get(REQUEST_ID_HEADER)).toBe('client-trace-42');
    const replaced = await post('{"query":"{ hello }"}', { [REQUEST_ID_HEADER]: 'bad id with spaces' });
    expect(replaced.headers.get(REQUEST_ID_HEADER)).not.toBe('bad id with spaces');
    expect(seenRequestIds).toEqual([
      generated.headers.get(REQUEST_ID_HEADER),
      'client-trace-42',
      replaced.headers.get(REQUEST_ID_HEADER),
    ]);
  });

  it('refuses a body over the limit with 413 and malformed JSON with 400', async () => {
    const big = await post(JSON.stringify({ query: `{ hello } # ${'x'.repeat(3_000)}` }));
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({
      errors: [
        { message: 'request body is larger than 2000 bytes', extensions: { code: 'PAYLOAD_TOO_LARGE' } },
      ],
    });
    const malformed = await post('{"query": ');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({
      errors: [{ message: 'request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }],
    });
  });

  it('serves /health always and /ready only while dependencies answer', async () => {
    expect((await fetch(`${origin}/health`)).status).toBe(200);
    expect((await fetch(`${origin}/ready`)).status).toBe(200);
    ready = false;
    const notReady = await fetch(`${origin}/ready`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: 'unavailable', reason: 'database unreachable' });
    ready = true;
    const nowhere = await fetch(`${origin}/nowhere`);
    expect(nowhere.status).toBe(404);
    expect(await nowhere.json()).toEqual({
      errors: [{ message: 'nothing at /nowhere', extensions: { code: 'NOT_FOUND' } }],
    });
  });

  it('drains an in-flight request on close before stopping', async () => {
    const inFlight = post('{"query":"{ slow }"}');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = server.close();
    releaseSlowRequest();
    expect(await (await inFlight).json()).toEqual({ data: { slow: 'done' } });
    await closing;
    await expect(fetch(`${origin}/health`)).rejects.toThrow();
  });
});
