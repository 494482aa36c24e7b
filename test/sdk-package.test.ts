/**
 * The SDK as another project gets it: `npm pack` of the workspace package (built by tsc to ESM and .d.ts),
 * installed from the tarball into a fresh project (offline: graphql and graphql-ws, its peers, are linked
 * from this checkout), then used from plain JavaScript on Node 20 (the oldest Node it supports, where one is
 * installed; this Node otherwise) and typechecked from TypeScript.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const modules = (name: string) => join(ROOT, 'node_modules', name);

/** Node 20 where the machine has one; this Node otherwise (CI's runner has only Node 24). */
function oldestNode(): string {
  for (const candidate of ['/usr/bin/node', '/bin/node', '/usr/local/bin/node']) {
    try {
      if (execFileSync(candidate, ['--version'], { encoding: 'utf8' }).startsWith('v20.')) return candidate;
    } catch {
      // Not there.
    }
  }
  return process.execPath;
}

const JS_CLIENT = `
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createPharmacyClient, PharmacyApiError } from '@pharmacy-supergraph/sdk';
import { CategoriesDocument } from '@pharmacy-supergraph/sdk/typed';

const manifest = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve('@pharmacy-supergraph/sdk/persisted-documents.json'), 'utf8'),
);
const pharmacy = createPharmacyClient({ url: process.env.PHARMACY_URL, token: 'a-token' });
const { categories } = await pharmacy.categories();
let refused;
try {
  await pharmacy.me();
} catch (error) {
  refused = error instanceof PharmacyApiError ? error.code : String(error);
}
process.stdout.write(JSON.stringify({
  categories,
  refused,
  hash: CategoriesDocument.__meta__.hash,
  inManifest: CategoriesDocument.__meta__.hash in manifest,
  node: process.version,
}));
`;

const TS_CLIENT = `
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createPharmacyClient, PharmacyApiError, type ProductsQuery } from '@pharmacy-supergraph/sdk';
import { ProductsDocument, type ProductsQueryVariables } from '@pharmacy-supergraph/sdk/typed';

const pharmacy = createPharmacyClient({ url: 'http://localhost:4000/graphql' });

export async function productNames(): Promise<string[]> {
  const { products }: ProductsQuery = await pharmacy.products({ pageSize: 5 });
  return products.items.map((product) => product.name);
}

export async function wrongArgument(): Promise<void> {
  // @ts-expect-error pageSize is a number
  await pharmacy.products({ pageSize: 'five' });
}

export const codeOf = (error: unknown) => (error instanceof PharmacyApiError ? error.code : undefined);
export const products: TypedDocumentNode<ProductsQuery, ProductsQueryVariables> = ProductsDocument;
`;

let dir: string;
let tarball: string;
const requests: unknown[] = [];
const server = createServer((req: IncomingMessage, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString()));
  req.on('end', () => {
    const request = JSON.parse(body) as { extensions?: { persistedQuery?: { sha256Hash?: string } } };
    requests.push(request);
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify(
        requests.length === 1
          ? { data: { categories: ['Analgesics'] } }
          : { errors: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }] },
      ),
    );
  });
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sdk-package-'));
  execFileSync('npm', ['pack', '--pack-destination', dir, '--silent'], {
    cwd: join(ROOT, 'sdk'),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const [packed] = (await readdir(dir)).filter((name) => name.endsWith('.tgz'));
  if (!packed) throw new Error('npm pack wrote no tarball');
  tarball = join(dir, packed);
  const project = join(dir, 'project');
  await mkdir(project);
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'a-pharmacy-client',
      private: true,
      type: 'module',
      dependencies: {
        '@pharmacy-supergraph/sdk': `file:${tarball}`,
        graphql: `file:${modules('graphql')}`,
        'graphql-ws': `file:${modules('graphql-ws')}`,
        '@graphql-typed-document-node/core': `file:${modules('@graphql-typed-document-node/core')}`,
      },
    }),
  );
  // Copies, not links, of the peers (npm's arborist stumbles over linked peers).
  execFileSync(
    'npm',
    ['install', '--offline', '--install-links', '--no-audit', '--no-fund', '--ignore-scripts', '--silent'],
    {
      cwd: project,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
}, 180_000);

afterAll(async () => {
  server.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the @pharmacy-supergraph/sdk package', () => {
  it('holds built JavaScript and declarations only', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n');
    expect(files).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/dist/index.js',
        'package/dist/index.d.ts',
        'package/dist/__generated__/typed/graphql.js',
        'package/dist/persisted-documents.json',
      ]),
    );
    expect(files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
  });

  it('works from plain JavaScript on Node 20, sending hashes only', async () => {
    const project = join(dir, 'project');
    const script = join(project, 'client.mjs');
    await writeFile(script, JS_CLIENT);
    const port = (server.address() as AddressInfo).port;
    // Not execFileSync: the server answering the client runs in this process.
    const { stdout: output } = await promisify(execFile)(oldestNode(), [script], {
      cwd: project,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, PHARMACY_URL: `http://127.0.0.1:${port}/graphql` },
    });
    const result = JSON.parse(output) as Record<string, unknown>;
    expect(result).toMatchObject({ categories: ['Analgesics'], refused: 'FORBIDDEN', inManifest: true });
    expect(requests[0]).toEqual({
      extensions: {
        persistedQuery: { version: 1, sha256Hash: String(result.hash).replace('sha256:', '') },
      },
    });
  });

  it('types resolve from TypeScript, and a wrong argument is a compile error', async () => {
    const project = join(dir, 'project');
    await writeFile(join(project, 'client.ts'), TS_CLIENT);
    await writeFile(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022', 'DOM'],
          module: 'nodenext',
          moduleResolution: 'nodenext',
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
        },
        files: ['client.ts'],
      }),
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    expect(() =>
      execFileSync(process.execPath, [tsc, '-p', project], { cwd: project, encoding: 'utf8', stdio: 'pipe' }),
    ).not.toThrow();
  });
});
