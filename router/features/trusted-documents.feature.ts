/**
 * Trusted documents (persisted queries): in production the router runs only the operations the
 * pharmacy's clients ship, listed in the manifest that `npm run codegen` writes
 * (router/trusted-document-manifest.ts). Anything else is refused before it is parsed, so a token holder
 * cannot explore the schema or send costly hand-written queries.
 *
 * - `enforce` (production's default): a request sends a known hash (`extensions.persistedQuery.sha256Hash`
 *   as Apollo clients do, or `documentId`) and no text, or a text whose hash is in the manifest; anything
 *   else, automatic persisted query registration included, is PERSISTED_QUERY_NOT_ALLOWED (HTTP 400).
 * - `allow` (development's default, so Apollo Sandbox works): both run; an operation outside the manifest
 *   is logged once per hash, with the count so far, to see what a rollout to `enforce` would refuse.
 * - `off`: today's behaviour, Apollo Server's automatic persisted queries included.
 *
 * A known hash runs the manifest's text, which Apollo Server parses and validates once and then finds in
 * its document cache by the same hash. The manifest is read again every TRUSTED_DOCUMENTS_RELOAD_MS and on
 * SIGHUP, so a client release that adds operations needs no restart.
 */
import type { GraphQLError } from 'graphql';
import { DomainError, ErrorCode, refusal } from '../../lib/errors.ts';
import type { OperationSource } from '../../lib/http-server.ts';
import type { Logger } from '../../lib/logger.ts';
import type { RouterContext } from '../router-context.ts';
import type { RouterFeature } from '../router-feature.ts';
import {
  documentHash,
  isManifestUrl,
  loadManifest,
  parseDocumentHash,
  readManifestFile,
  type TrustedDocuments,
} from '../trusted-document-manifest.ts';

export const TRUSTED_DOCUMENTS_MODES = ['enforce', 'allow', 'off'] as const;
export type TrustedDocumentsMode = (typeof TRUSTED_DOCUMENTS_MODES)[number];

export interface TrustedDocumentsOptions {
  /** TRUSTED_DOCUMENTS: enforce (production), allow (development) or off. */
  mode: TrustedDocumentsMode;
  /** TRUSTED_DOCUMENTS_MANIFEST: a file path or an http(s) URL. */
  manifest: string;
  /** TRUSTED_DOCUMENTS_RELOAD_MS: how often the manifest is read again; 0 only on SIGHUP. */
  reloadMs: number;
  /** TRUSTED_DOCUMENTS_STAFF_BYPASS: administrators may run any operation. */
  staffBypass: boolean;
  logger: Logger;
}

/** Hashes of unknown operations remembered so each is logged once; past it, they are only counted. */
const MAX_REMEMBERED_UNKNOWN = 10_000;

function notAllowed(message: string): GraphQLError {
  return refusal(new DomainError(ErrorCode.PERSISTED_QUERY_NOT_ALLOWED, message), 400);
}

/**
 * The reloads of the routers open in this process, run on SIGHUP by one listener of the process (rather
 * than one per router: a process may hold several routers, as the tests do).
 */
const reloadsOnHangUp = new Set<() => void>();
const reloadEveryManifest = () => {
  for (const reload of reloadsOnHangUp) reload();
};

/** Runs `reload` on SIGHUP until the returned function is called. */
function reloadOnHangUp(reload: () => void): () => void {
  if (reloadsOnHangUp.size === 0) process.on('SIGHUP', reloadEveryManifest);
  reloadsOnHangUp.add(reload);
  return () => {
    reloadsOnHangUp.delete(reload);
    if (reloadsOnHangUp.size === 0) process.off('SIGHUP', reloadEveryManifest);
  };
}

/** The operation without its hash (`documentId`, `extensions.persistedQuery`). */
function withoutHash(operation: OperationSource, otherExtensions: Record<string, unknown>): OperationSource {
  const copy: Record<string, unknown> = { ...operation, extensions: otherExtensions };
  delete copy.documentId;
  return copy;
}

export function useTrustedDocuments(options: TrustedDocumentsOptions): RouterFeature {
  const { mode, logger } = options;
  if (mode === 'off') return { name: 'trusted documents' };
  const log = logger.child({ component: 'trusted-documents' });
  let documents: TrustedDocuments | undefined;
  let loadProblem: string | undefined = 'not loaded yet';
  const unknownSeen = new Set<string>();
  let unknownCount = 0;

  function loaded(next: TrustedDocuments): void {
    if (documents?.size !== next.size)
      log.info({ documents: next.size }, 'trusted documents manifest loaded');
    documents = next;
    loadProblem = undefined;
  }
  /** A manifest that fails to load again leaves the one loaded before in place. */
  async function reload(): Promise<void> {
    try {
      loaded(await loadManifest(options.manifest));
    } catch (error) {
      loadProblem = (error as Error).message;
      log.error({ err: error }, 'trusted documents manifest not reloaded: the previous one stays');
    }
  }
  // A file is read at once, so a router without a readable manifest does not start; a URL is fetched.
  if (isManifestUrl(options.manifest)) void reload();
  else loaded(readManifestFile(options.manifest));
  const timer = options.reloadMs > 0 ? setInterval(() => void reload(), options.reloadMs) : undefined;
  timer?.unref();
  const stopReloadingOnHangUp = reloadOnHangUp(() => void reload());

  function noteUnknown(hash: string, operation: OperationSource, context: RouterContext): void {
    unknownCount += 1;
    if (unknownSeen.has(hash) || unknownSeen.size >= MAX_REMEMBERED_UNKNOWN) return;
    unknownSeen.add(hash);
    context.logger.warn(
      {
        hash,
        operationName:
          typeof operation.operationName === 'string' ? operation.operationName.slice(0, 100) : null,
        unknownOperations: unknownCount,
      },
      'operation not in the trusted documents manifest (TRUSTED_DOCUMENTS=enforce would refuse it)',
    );
  }

  function admitOperation(operation: OperationSource, context: RouterContext): OperationSource {
    const trusted = documents;
    if (!trusted) {
      if (mode === 'allow') return operation;
      throw refusal(
        new DomainError(
          ErrorCode.SERVICE_UNAVAILABLE,
          `the trusted documents manifest is unavailable: ${loadProblem}`,
        ),
        503,
      );
    }
    const { persistedQuery, ...otherExtensions } = (
      typeof operation.extensions === 'object' && operation.extensions !== null ? operation.extensions : {}
    ) as { persistedQuery?: unknown; [key: string]: unknown };
    const sentHash =
      operation.documentId ??
      (typeof persistedQuery === 'object' && persistedQuery !== null
        ? (persistedQuery as { sha256Hash?: unknown }).sha256Hash
        : undefined);
    const text = typeof operation.query === 'string' && operation.query !== '' ? operation.query : undefined;
    const bypass = options.staffBypass && context.viewer?.role === 'ADMIN';

    if (sentHash !== undefined && sentHash !== null) {
      const hash = parseDocumentHash(sentHash);
      if (hash === undefined) {
        throw refusal(
          new DomainError(ErrorCode.BAD_REQUEST, 'a persisted document hash is "sha256:" and 64 hex digits'),
          400,
        );
      }
      if (text === undefined) {
        const known = trusted.get(hash);
        if (known !== undefined) {
          // The manifest's text runs; Apollo Server finds it parsed and validated in its document cache.
          return { ...withoutHash(operation, otherExtensions), query: known };
        }
        if (mode === 'enforce' && !bypass) throw notAllowed('this operation is not a trusted document');
        // As Apollo Server words it, so Apollo clients send the text next.
        throw refusal(new DomainError(ErrorCode.PERSISTED_QUERY_NOT_FOUND, 'PersistedQueryNotFound'), 200);
      }
    }
    if (text === undefined) return operation; // Nothing to run: Apollo Server refuses it.
    const hash = documentHash(text);
    if (trusted.has(hash)) {
      // Known text needs no registration in Apollo Server's own persisted query cache.
      if (persistedQuery === undefined && operation.documentId === undefined) return operation;
      return withoutHash(operation, otherExtensions);
    }
    if (mode === 'enforce' && !bypass) {
      throw notAllowed(
        persistedQuery === undefined
          ? 'only trusted documents run here: send the hash of an operation your client ships'
          : 'registering persisted queries is not allowed here: only trusted documents run',
      );
    }
    noteUnknown(hash, operation, context);
    return operation;
  }

  return {
    name: 'trusted documents',
    admitOperation,
    async reportDependencies() {
      return {
        'trusted documents manifest':
          loadProblem === undefined ? { ok: true } : { ok: false, reason: loadProblem },
      };
    },
    async close() {
      clearInterval(timer);
      stopReloadingOnHangUp();
    },
  };
}
