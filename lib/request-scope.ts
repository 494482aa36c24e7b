/**
 * One request as every subgraph service sees it: its own EntityManager, the viewer the router vouched
 * for, its request id and its logger. A subgraph's request context is this scope plus its services.
 */
import type { EntityManager } from './database.ts';
import { UnauthenticatedError } from './errors.ts';
import type { Logger } from './logger.ts';
import type { Viewer } from './viewer.ts';

export interface RequestScope {
  /** A fresh EntityManager per request: its own identity map and unit of work. */
  em: EntityManager;
  /** The caller the router vouched for; null when anonymous. */
  viewer: Viewer | null;
  requestId: string;
  logger: Logger;
}

/** The caller of a request that needs one; UNAUTHENTICATED for an anonymous request. */
export function requireViewer(scope: Pick<RequestScope, 'viewer'>): Viewer {
  if (!scope.viewer) throw new UnauthenticatedError();
  return scope.viewer;
}
