/**
 * The router's session checks against a users service that answers, then cannot be reached: a status is
 * asked once per interval, and an ended session stays ended whatever happens to the users service.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createLogger } from '../lib/logger.ts';
import type { SessionStatus } from '../lib/viewer.ts';
import { SessionChecker } from './session-checker.ts';

const SECRET = 'x'.repeat(43);
const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A users service answering `statuses`, counting the requests it gets. */
async function usersService(statuses: Record<string, SessionStatus>) {
  const asked = { requests: 0 };
  const server = createServer((request, response) => {
    asked.requests += 1;
    request.resume();
    request.on('end', () =>
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ sessions: statuses })),
    );
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/internal/session-status`;
  return { url, asked, stop: () => new Promise((resolve) => server.close(resolve)) };
}

const checker = (statusUrl: string) =>
  new SessionChecker({
    statusUrl,
    routerSecret: SECRET,
    checkIntervalMs: 100,
    maxStaleMs: 0,
    maxSessions: 100,
    logger: createLogger('test', { level: 'silent' }),
  });

describe('SessionChecker', () => {
  it('asks about a session once per check interval', async () => {
    const holding = randomUUID();
    const users = await usersService({ [holding]: { userId: 7, role: 'PHARMACIST' } });
    const sessions = checker(users.url);
    expect(await Promise.all([sessions.statusOf(holding), sessions.statusOf(holding)])).toEqual([
      { userId: 7, role: 'PHARMACIST' },
      { userId: 7, role: 'PHARMACIST' },
    ]);
    expect(users.asked.requests).toBe(1);
  });

  it('keeps an ended session ended once the users service cannot be asked, past any staleness', async () => {
    const ended = randomUUID();
    const users = await usersService({ [ended]: null });
    const sessions = checker(users.url);
    expect(await sessions.statusOf(ended)).toBeNull();
    for (const server of servers) server.closeAllConnections();
    await users.stop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await sessions.statusOf(ended)).toBeNull();
    // A session never seen is taken as its token says while the users service is out of reach.
    expect(await sessions.statusOf(randomUUID())).toBeUndefined();
  });
});
