/**
 * The trusted-documents manifest: the operations the pharmacy's clients ship, each keyed by the SHA-256 of
 * its text. `npm run codegen` writes it (sdk/__generated__/typed/persisted-documents.json, GraphQL
 * Codegen's client preset format `{ "sha256:<hex>": "<document>" }`); Apollo's persisted query list
 * (`{ "format": "apollo-persisted-query-manifest", "operations": [{ "id", "body" }] }`) is read too, so a
 * client built with Apollo's tools can ship its own. Every key is checked against its document: a manifest
 * whose hash names another text is refused whole.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** Trusted documents by the lower-case hex SHA-256 of their text. */
export type TrustedDocuments = ReadonlyMap<string, string>;

/** The hash of a document as the manifest and Apollo Server compute it. */
export function documentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const HASH = /^(?:sha256:)?([0-9a-fA-F]{64})$/;
/** The longest hash a client may send: `sha256:` and 64 hex digits. */
const MAX_HASH_LENGTH = 71;

/** The hex SHA-256 a client or a manifest names (`sha256:<hex>` or `<hex>`), or undefined when it is not one. */
export function parseDocumentHash(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > MAX_HASH_LENGTH) return undefined;
  return HASH.exec(value)?.[1]?.toLowerCase();
}

export class ManifestError extends Error {
  constructor(source: string, problem: string) {
    super(`trusted documents manifest ${source}: ${problem}`);
    this.name = 'ManifestError';
  }
}

/** The documents of a manifest's JSON, in either format; throws a ManifestError naming the first problem. */
export function parseManifest(json: unknown, source: string): TrustedDocuments {
  const entries: [unknown, unknown][] = [];
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ManifestError(source, 'is not a JSON object');
  }
  const record = json as Record<string, unknown>;
  if (record.format === 'apollo-persisted-query-manifest') {
    if (!Array.isArray(record.operations)) throw new ManifestError(source, 'has no "operations" list');
    for (const operation of record.operations as unknown[]) {
      const { id, body } = (operation ?? {}) as { id?: unknown; body?: unknown };
      entries.push([id, body]);
    }
  } else {
    entries.push(...Object.entries(record));
  }
  const documents = new Map<string, string>();
  for (const [key, text] of entries) {
    const hash = parseDocumentHash(key);
    if (hash === undefined) throw new ManifestError(source, `"${String(key)}" is not a SHA-256 hash`);
    if (typeof text !== 'string') throw new ManifestError(source, `the document of ${hash} is not text`);
    if (documentHash(text) !== hash) {
      throw new ManifestError(source, `${hash} is not the SHA-256 of its document`);
    }
    documents.set(hash, text);
  }
  return documents;
}

/** How long fetching a manifest from a URL may take. */
const FETCH_TIMEOUT_MS = 10_000;

export function isManifestUrl(source: string): boolean {
  return /^https?:\/\//.test(source);
}

/** Reads a manifest file (synchronously: at start, a router without its manifest does not start). */
export function readManifestFile(path: string): TrustedDocuments {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ManifestError(path, `could not be read (${(error as Error).message})`);
  }
  return parseManifestText(text, path);
}

/** Reads a manifest from a file path or an http(s) URL. */
export async function loadManifest(source: string): Promise<TrustedDocuments> {
  if (!isManifestUrl(source)) return readManifestFile(source);
  const response = await fetch(source, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) }).catch(
    (error: unknown) => {
      throw new ManifestError(source, `could not be fetched (${(error as Error).message})`);
    },
  );
  if (!response.ok) throw new ManifestError(source, `answered HTTP ${response.status}`);
  return parseManifestText(await response.text(), source);
}

function parseManifestText(text: string, source: string): TrustedDocuments {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ManifestError(source, 'is not valid JSON');
  }
  return parseManifest(json, source);
}
