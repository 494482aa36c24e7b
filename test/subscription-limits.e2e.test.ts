/**
 * Who may hold the router's WebSockets: a role that can subscribe to nothing is refused at
 * connection_init (4403), one user holds at most SUBSCRIPTION_MAX_CONNECTIONS_PER_USER sockets (1013 past
 * it) and one client address at most SUBSCRIPTION_MAX_CONNECTIONS_PER_ADDRESS (HTTP 429 past it), so one
 * account cannot take the router's sockets from staff; one socket holds at most SUBSCRIPTION_MAX_PER_CONNECTION
 * subscriptions.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WebSocket } from 'ws';
import { createRouter, type Router } from '../router/create-router.ts';
import { readRouterConfig } from '../router/config.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { subgraphUrlEnv } from './support/routers.ts';
import { silentLogger, startTestStack, testRouterEnv, type TestStack } from './support/services.ts';

let bus: TestDatabase;
let stack: TestStack;
let router: Router;
let url: string;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  bus = await createTestDatabase('events');
  stack = await startTestStack({ busEnv: { EVENT_BUS_DATABASE_URL: bus.url } });
  router = createRouter(
    readRouterConfig(
      testRouterEnv(subgraphUrlEnv(stack), {
        EVENT_BUS_DATABASE_URL: bus.url,
        TRUSTED_PROXY_HOPS: '1',
        SUBSCRIPTION_MAX_CONNECTIONS_PER_USER: '2',
        SUBSCRIPTION_MAX_CONNECTIONS_PER_ADDRESS: '3',
        SUBSCRIPTION_MAX_PER_CONNECTION: '2',
      }),
    ),
    silentLogger,
  );
  url = (await router.listen()).url.replace(/^http/, 'ws');
  await router.started();
});

afterAll(async () => {
  for (const socket of sockets) socket.terminate();
  await router?.close();
  await stack?.stop();
  await bus?.drop();
});

type Outcome = { acked: true; socket: WebSocket } | { closed: number; reason: string } | { refused: number };

/** Opens a socket from `address` and sends connection_init with `token`: acknowledged, closed or refused. */
function connect(token: string, address: string): Promise<Outcome> {
  const socket = new WebSocket(url, 'graphql-transport-ws', { headers: { 'x-forwarded-for': address } });
  sockets.push(socket);
  return new Promise((resolve) => {
    socket.on('unexpected-response', (_, response) => resolve({ refused: response.statusCode ?? 0 }));
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
    );
    socket.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack')
        resolve({ acked: true, socket });
    });
    socket.on('close', (code, reason) => resolve({ closed: code, reason: reason.toString('utf8') }));
    socket.on('error', () => undefined);
  });
}

/** Subscribes to low-stock alerts on an open socket; the first answer is an error, or undefined if none came. */
function subscribe(socket: WebSocket, id: string): Promise<{ code?: string; message: string } | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 1_000);
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as {
        id?: string;
        type: string;
        payload?: { message: string; extensions?: { code?: string } }[];
      };
      if (message.id !== id || message.type !== 'error') return;
      clearTimeout(timer);
      const [error] = message.payload ?? [];
      resolve(error && { code: error.extensions?.code, message: error.message });
    });
    socket.send(
      JSON.stringify({ id, type: 'subscribe', payload: { query: 'subscription { lowStockAlerts { id } }' } }),
    );
  });
}

async function close(outcome: Outcome): Promise<void> {
  if (!('acked' in outcome)) return;
  const closed = new Promise((resolve) => outcome.socket.once('close', resolve));
  outcome.socket.close(1000);
  await closed;
}

describe('WebSocket connections', () => {
  it('refuses a customer at connection_init: there is nothing a customer may subscribe to', async () => {
    const customer = await stack.tokenFor({ userId: 301, role: 'CUSTOMER' });
    expect(await connect(customer, '198.51.100.1')).toEqual({
      closed: 4403,
      reason: 'Forbidden: the role CUSTOMER has nothing to subscribe to',
    });
  });

  it('lets one user hold two sockets, closes the third with 1013, and frees a place when one closes', async () => {
    const pharmacist = await stack.tokenFor({ userId: 302, role: 'PHARMACIST' });
    const first = await connect(pharmacist, '198.51.100.2');
    const second = await connect(pharmacist, '198.51.100.3');
    expect([first, second].every((outcome) => 'acked' in outcome)).toBe(true);
    expect(await connect(pharmacist, '198.51.100.4')).toEqual({
      closed: 1013,
      reason: 'Try again later: this account has 2 connections open already',
    });
    // Another member of staff is not locked out.
    const colleague = await connect(
      await stack.tokenFor({ userId: 303, role: 'PHARMACIST' }),
      '198.51.100.5',
    );
    expect('acked' in colleague).toBe(true);
    await close(first);
    expect('acked' in (await connect(pharmacist, '198.51.100.6'))).toBe(true);
    await close(colleague);
  });

  it('counts no socket that closed while its token was checked', async () => {
    const pharmacist = await stack.tokenFor({ userId: 304, role: 'PHARMACIST' });
    for (let n = 0; n < 5; n++) {
      const socket = new WebSocket(url, 'graphql-transport-ws', {
        headers: { 'x-forwarded-for': '198.51.100.7' },
      });
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(
        JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${pharmacist}` } }),
      );
      socket.terminate();
    }
    const held = [await connect(pharmacist, '198.51.100.8'), await connect(pharmacist, '198.51.100.9')];
    expect(held.every((outcome) => 'acked' in outcome)).toBe(true);
    for (const outcome of held) await close(outcome);
  });

  it('lets one socket hold two subscriptions and refuses a third on it as RATE_LIMITED', async () => {
    const outcome = await connect(await stack.tokenFor({ userId: 305, role: 'PHARMACIST' }), '198.51.100.10');
    if (!('acked' in outcome)) throw new Error(`not connected: ${JSON.stringify(outcome)}`);
    expect(await subscribe(outcome.socket, 'a')).toBeUndefined();
    expect(await subscribe(outcome.socket, 'b')).toBeUndefined();
    expect(await subscribe(outcome.socket, 'c')).toEqual({
      code: 'RATE_LIMITED',
      message: 'this connection holds 2 subscriptions already',
    });
    // Ending one makes room for another.
    outcome.socket.send(JSON.stringify({ id: 'a', type: 'complete' }));
    expect(await subscribe(outcome.socket, 'd')).toBeUndefined();
    await close(outcome);
  });

  it('lets one client address hold three sockets and refuses the fourth upgrade with HTTP 429', async () => {
    const tokens = await Promise.all(
      [311, 312, 313, 314].map((userId) => stack.tokenFor({ userId, role: 'PHARMACIST' })),
    );
    const held = [];
    for (const token of tokens.slice(0, 3)) held.push(await connect(token, '203.0.113.70'));
    expect(held.every((outcome) => 'acked' in outcome)).toBe(true);
    expect(await connect(tokens[3] ?? '', '203.0.113.70')).toEqual({ refused: 429 });
    expect('acked' in (await connect(tokens[3] ?? '', '203.0.113.71'))).toBe(true);
    await close(held[0] as Outcome);
    expect('acked' in (await connect(tokens[3] ?? '', '203.0.113.70'))).toBe(true);
  });
});
