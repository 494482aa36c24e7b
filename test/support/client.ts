/**
 * The typed client SDK as tests use it: a client of a test router for a viewer, and the PharmacyApiError of
 * a call that must fail.
 */
import type { Viewer } from '../../lib/viewer.ts';
import { createPharmacyClient, PharmacyApiError, type PharmacyClient } from '../../sdk/index.ts';
import type { TestStack } from './services.ts';

/** A client of the router at `routerUrl` that sends `token` (none: anonymous) and `headers`. */
export function asViewer(
  routerUrl: string,
  token?: string,
  headers: Record<string, string> = {},
): PharmacyClient {
  return createPharmacyClient({ url: routerUrl, ...(token === undefined ? {} : { token }), headers });
}

/** A client of the stack's router for `viewer`, with a token signed like the users subgraph signs them. */
export async function clientFor(
  stack: TestStack,
  viewer: Viewer,
  headers: Record<string, string> = {},
): Promise<PharmacyClient> {
  return asViewer(stack.routerUrl, await stack.tokenFor(viewer), headers);
}

/** The PharmacyApiError that `call` rejects with; throws when it succeeds or fails otherwise. */
export async function apiErrorOf(call: Promise<unknown>): Promise<PharmacyApiError> {
  let result: unknown;
  try {
    result = await call;
  } catch (error) {
    if (error instanceof PharmacyApiError) return error;
    throw error;
  }
  throw new Error(`expected a PharmacyApiError, got ${JSON.stringify(result)}`);
}

/** The one GraphQL error of a failed call; throws when there is none or more than one. */
export async function onlyErrorOf(call: Promise<unknown>): Promise<PharmacyApiError['errors'][number]> {
  const { errors } = await apiErrorOf(call);
  const [first] = errors;
  if (errors.length !== 1 || first === undefined) {
    throw new Error(`expected exactly one error, got ${JSON.stringify(errors)}`);
  }
  return first;
}
