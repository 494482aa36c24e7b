/**
 * Trusted documents in the bench: a manifest of a scenario's own queries (the committed one plus them), for
 * a router that then runs them by hash, and request bodies that send the hash only, as the SDK does, so
 * scenarios 1 and 2 measure hashes against text, on routers configured the same, in the same run.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_TRUSTED_DOCUMENTS_MANIFEST } from '../../router/config.ts';
import { documentHash, readManifestFile } from '../../router/trusted-document-manifest.ts';

/** Writes the committed manifest plus `documents` to `dir`; its path is the router's TRUSTED_DOCUMENTS_MANIFEST. */
export async function writeBenchManifest(dir: string, documents: readonly string[]): Promise<string> {
  const entries = new Map(readManifestFile(DEFAULT_TRUSTED_DOCUMENTS_MANIFEST));
  for (const text of documents) entries.set(documentHash(text), text);
  const path = join(dir, 'bench-trusted-documents.json');
  await writeFile(
    path,
    JSON.stringify(Object.fromEntries([...entries].map(([hash, text]) => [`sha256:${hash}`, text]))),
  );
  return path;
}

/** The body of a request that sends `query` as its hash only. */
export function hashedBody(query: string, variables?: Record<string, unknown>): string {
  const extensions = { persistedQuery: { version: 1, sha256Hash: documentHash(query) } };
  return JSON.stringify(variables === undefined ? { extensions } : { variables, extensions });
}
