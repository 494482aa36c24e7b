/**
 * The gateway sends Apollo nothing unless the operator lets it: @apollo/gateway builds a meter provider
 * that reports to Apollo every hour (after probing the cloud metadata endpoints) unless
 * APOLLO_TELEMETRY_DISABLED is set when it is constructed.
 */
import { afterEach, expect, it } from '@jest/globals';
import { readRouterConfig } from './config.ts';
import { createGateway } from './gateway.ts';
import { silentLogger } from '../test/support/services.ts';

const BUS = { EVENT_BUS_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused' };
const before = process.env.APOLLO_TELEMETRY_DISABLED;
afterEach(() => {
  if (before === undefined) delete process.env.APOLLO_TELEMETRY_DISABLED;
  else process.env.APOLLO_TELEMETRY_DISABLED = before;
});

/** What the gateway disposes of when it stops: its usage reporter among them, when it has one. */
async function disposables(env: Record<string, string>): Promise<number> {
  const { gateway } = createGateway(readRouterConfig({ ...BUS, ...env }), silentLogger);
  const count = (gateway as unknown as { toDispose: unknown[] }).toDispose.length;
  await gateway.stop();
  return count;
}

it('builds no usage report to Apollo by default, and one when APOLLO_TELEMETRY_DISABLED=false', async () => {
  delete process.env.APOLLO_TELEMETRY_DISABLED;
  expect(await disposables({})).toBe(0);
  expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('true');
  expect(await disposables({ APOLLO_TELEMETRY_DISABLED: 'false' })).toBe(1);
});
