import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { ConfigError } from '../lib/config.ts';
import { DEFAULT_TRUSTED_DOCUMENTS_MANIFEST, readRouterConfig } from './config.ts';
import {
  documentHash,
  loadManifest,
  ManifestError,
  parseDocumentHash,
  parseManifest,
  readManifestFile,
} from './trusted-document-manifest.ts';

const TEXT = 'query Categories { categories }';
const HASH = documentHash(TEXT);

describe('a trusted documents manifest', () => {
  it("is read in GraphQL Codegen's client preset format, with or without the sha256: prefix", () => {
    expect(parseManifest({ [`sha256:${HASH}`]: TEXT }, 'm')).toEqual(new Map([[HASH, TEXT]]));
    expect(parseManifest({ [HASH.toUpperCase()]: TEXT }, 'm')).toEqual(new Map([[HASH, TEXT]]));
  });

  it("is read in Apollo's persisted query list format", () => {
    const apollo = {
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [{ id: HASH, name: 'Categories', type: 'query', body: TEXT }],
    };
    expect(parseManifest(apollo, 'm')).toEqual(new Map([[HASH, TEXT]]));
  });

  it('is refused whole when a hash is not the SHA-256 of its document, or not a hash', () => {
    expect(() => parseManifest({ [HASH]: `${TEXT} ` }, 'm')).toThrow(ManifestError);
    expect(() => parseManifest({ 'not-a-hash': TEXT }, 'm')).toThrow(/not a SHA-256 hash/);
    expect(() => parseManifest({ [HASH]: 1 }, 'm')).toThrow(/not text/);
    expect(() => parseManifest([], 'm')).toThrow(/not a JSON object/);
  });

  it("is the codegen's committed manifest by default, every entry checked", () => {
    expect(readManifestFile(DEFAULT_TRUSTED_DOCUMENTS_MANIFEST).size).toBeGreaterThan(30);
  });

  it('is loaded from a file or an http URL, with a clear message when it cannot be', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'manifest-'));
    const server = createServer((req, res) => {
      res.statusCode = req.url === '/manifest.json' ? 200 : 404;
      res.end(JSON.stringify({ [HASH]: TEXT }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const file = join(dir, 'manifest.json');
      await writeFile(file, JSON.stringify({ [HASH]: TEXT }));
      expect((await loadManifest(file)).get(HASH)).toBe(TEXT);
      expect((await loadManifest(`${base}/manifest.json`)).get(HASH)).toBe(TEXT);
      await expect(loadManifest(`${base}/missing.json`)).rejects.toThrow(/answered HTTP 404/);
      await expect(loadManifest(join(dir, 'missing.json'))).rejects.toThrow(/could not be read/);
      await writeFile(file, '{ no');
      await expect(loadManifest(file)).rejects.toThrow(/not valid JSON/);
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a hash a client sends', () => {
  it('is 64 hex digits, with or without sha256:, and nothing longer', () => {
    expect(parseDocumentHash(HASH)).toBe(HASH);
    expect(parseDocumentHash(`sha256:${HASH.toUpperCase()}`)).toBe(HASH);
    for (const bad of [
      `${HASH}0`,
      HASH.slice(1),
      `md5:${HASH}`,
      'z'.repeat(64),
      'a'.repeat(100_000),
      42,
      null,
    ]) {
      expect(parseDocumentHash(bad)).toBeUndefined();
    }
  });
});

describe('TRUSTED_DOCUMENTS', () => {
  const env = { EVENT_BUS_DATABASE_URL: 'postgres://localhost/events' };
  const problemsOf = (extra: Record<string, string>) => {
    try {
      readRouterConfig({ ...env, ...extra });
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it('defaults to allow in development, with the committed manifest re-read every minute', () => {
    expect(readRouterConfig(env).trustedDocuments).toEqual({
      mode: 'allow',
      manifest: DEFAULT_TRUSTED_DOCUMENTS_MANIFEST,
      reloadMs: 60_000,
      staffBypass: false,
    });
  });

  it('is enforce, allow or off, and its manifest must exist', () => {
    expect(problemsOf({ TRUSTED_DOCUMENTS: 'strict' }).join()).toMatch(/TRUSTED_DOCUMENTS/);
    expect(problemsOf({ TRUSTED_DOCUMENTS_MANIFEST: '/nowhere/manifest.json' }).join()).toMatch(
      /TRUSTED_DOCUMENTS_MANIFEST .*\/nowhere\/manifest.json does not exist/,
    );
    expect(
      problemsOf({ TRUSTED_DOCUMENTS: 'off', TRUSTED_DOCUMENTS_MANIFEST: '/nowhere/manifest.json' }),
    ).toEqual([]);
    expect(problemsOf({ TRUSTED_DOCUMENTS_MANIFEST: 'https://cdn.example.com/manifest.json' })).toEqual([]);
  });
});
