/**
 * `npm run schema:check [-- --base <git ref>]`: what a branch changes in the schema, before it merges.
 *
 * Each subgraph's SDL and the composed API schema are compared with those at the base (SCHEMA_CHECK_BASE or
 * `--base`; by default the merge base with origin/main, or main) by @graphql-inspector/core, and every
 * change is printed as BREAKING, DANGEROUS or SAFE. The check fails on a breaking change unless
 * schema/acknowledged-changes.json lists it with a reason, and on any operation of the trusted documents
 * manifest (the clients' operations, sdk/__generated__/typed/persisted-documents.json) that no longer
 * validates against the new API schema: a client already shipped would break.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import { buildSchema, parse, validate, type GraphQLSchema } from 'graphql';
import { DEFAULT_TRUSTED_DOCUMENTS_MANIFEST } from '../router/config.ts';
import { readManifestFile, type TrustedDocuments } from '../router/trusted-document-manifest.ts';
import { SUBGRAPHS, SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/registry.ts';
import { apiSchemaSdl } from './supergraph.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const ACKNOWLEDGED_CHANGES_PATH = fileURLToPath(
  new URL('../schema/acknowledged-changes.json', import.meta.url),
);

/** The schema a change is in: a subgraph's SDL, or the composed API schema clients see. */
export type SchemaName = SubgraphName | 'api';

/** A breaking change the team has agreed to make, and why (schema/acknowledged-changes.json). */
export interface AcknowledgedChange {
  schema: SchemaName;
  /** @graphql-inspector's change type, e.g. FIELD_REMOVED. */
  type: string;
  /** The schema coordinate, e.g. Query.categories. */
  path: string;
  reason: string;
}

export type Severity = 'BREAKING' | 'DANGEROUS' | 'SAFE';

export interface SchemaChange {
  schema: SchemaName;
  severity: Severity;
  type: string;
  path: string | undefined;
  message: string;
  /** The acknowledgement's reason, for a breaking change that has one. */
  acknowledged?: string;
}

export interface SchemaCheckReport {
  changes: SchemaChange[];
  /** Manifest operations that no longer validate, with why. */
  brokenOperations: { operation: string; errors: string[] }[];
  /** Whether the change may merge. */
  passed: boolean;
}

/** Each subgraph's SDL; a subgraph missing from one side (new or removed) is compared with nothing. */
export type SubgraphSdl = Partial<Record<SubgraphName, string>>;

const SEVERITY: Record<CriticalityLevel, Severity> = {
  [CriticalityLevel.Breaking]: 'BREAKING',
  [CriticalityLevel.Dangerous]: 'DANGEROUS',
  [CriticalityLevel.NonBreaking]: 'SAFE',
};

function subgraphSchema(sdl: string): GraphQLSchema {
  return buildSubgraphSchema([{ typeDefs: parse(sdl) }]);
}

/** The composed API schema of the subgraphs; throws with every composition error. */
export function composedApiSchema(subgraphs: SubgraphSdl): GraphQLSchema {
  const result = composeServices(
    SUBGRAPH_NAMES.flatMap((name) => {
      const sdl = subgraphs[name];
      return sdl === undefined ? [] : [{ name, url: SUBGRAPHS[name].defaultUrl, typeDefs: parse(sdl) }];
    }),
  );
  if (result.errors) {
    throw new Error(
      `composition failed:\n${result.errors.map((error) => `  - ${error.message}`).join('\n')}`,
    );
  }
  return buildSchema(apiSchemaSdl(result.supergraphSdl));
}

/** Compares `after` with `before`; pure, so the test can hand it any schemas. */
export async function checkSchemas(options: {
  before: SubgraphSdl;
  after: SubgraphSdl;
  manifest: TrustedDocuments;
  acknowledged: readonly AcknowledgedChange[];
}): Promise<SchemaCheckReport> {
  const { before, after, manifest, acknowledged } = options;
  const pairs: [SchemaName, GraphQLSchema | null, GraphQLSchema | null][] = SUBGRAPH_NAMES.map((name) => [
    name,
    before[name] === undefined ? null : subgraphSchema(before[name]),
    after[name] === undefined ? null : subgraphSchema(after[name]),
  ]);
  const apiAfter = composedApiSchema(after);
  pairs.push(['api', composedApiSchema(before), apiAfter]);

  const changes: SchemaChange[] = [];
  for (const [schema, old, current] of pairs) {
    if (old === null && current === null) continue;
    const found: Change[] = await diff(old, current);
    for (const change of found) {
      const severity = SEVERITY[change.criticality.level];
      const acknowledgement = acknowledged.find(
        (each) => each.schema === schema && each.type === change.type && each.path === change.path,
      );
      changes.push({
        schema,
        severity,
        type: change.type,
        path: change.path,
        message: change.message,
        ...(severity === 'BREAKING' && acknowledgement ? { acknowledged: acknowledgement.reason } : {}),
      });
    }
  }

  const brokenOperations = [...manifest].flatMap(([hash, text]) => {
    const errors = validate(apiAfter, parse(text));
    const name = /(?:query|mutation|subscription)\s+(\w+)/.exec(text)?.[1] ?? hash;
    return errors.length === 0 ? [] : [{ operation: name, errors: errors.map((error) => error.message) }];
  });
  const unacknowledged = changes.filter((change) => change.severity === 'BREAKING' && !change.acknowledged);
  return { changes, brokenOperations, passed: unacknowledged.length === 0 && brokenOperations.length === 0 };
}

/** schema/acknowledged-changes.json, checked: every entry names a change and gives a reason. */
export function readAcknowledgedChanges(path = ACKNOWLEDGED_CHANGES_PATH): AcknowledgedChange[] {
  const entries = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (!Array.isArray(entries)) throw new Error(`${path} must be a list of acknowledged changes`);
  return entries.map((entry: unknown, index) => {
    const { schema, type, path: coordinate, reason } = (entry ?? {}) as Record<string, unknown>;
    const valid =
      (schema === 'api' || (SUBGRAPH_NAMES as readonly unknown[]).includes(schema)) &&
      typeof type === 'string' &&
      typeof coordinate === 'string' &&
      typeof reason === 'string' &&
      reason.trim() !== '';
    if (!valid) {
      throw new Error(
        `${path}[${index}] must be { "schema": "api" | a subgraph, "type": "FIELD_REMOVED", "path": "Type.field", "reason": "why" }`,
      );
    }
    return {
      schema: schema as SchemaName,
      type: type as string,
      path: coordinate as string,
      reason: reason as string,
    };
  });
}

/** The report as people read it: every change, then what fails the check. */
export function formatReport(report: SchemaCheckReport, base: string): string {
  const lines = [`Schema changes since ${base}:`];
  if (report.changes.length === 0) lines.push('  none');
  for (const change of report.changes) {
    const note = change.acknowledged === undefined ? '' : ` (acknowledged: ${change.acknowledged})`;
    lines.push(`  ${change.severity.padEnd(9)} [${change.schema}] ${change.message}${note}`);
  }
  const unacknowledged = report.changes.filter(
    (change) => change.severity === 'BREAKING' && !change.acknowledged,
  );
  for (const change of unacknowledged) {
    lines.push(
      `✗ breaking change not acknowledged: add { "schema": "${change.schema}", "type": "${change.type}", ` +
        `"path": "${change.path ?? ''}", "reason": "…" } to schema/acknowledged-changes.json if it is meant`,
    );
  }
  for (const { operation, errors } of report.brokenOperations) {
    lines.push(`✗ the clients' operation ${operation} no longer validates: ${errors.join('; ')}`);
  }
  lines.push(report.passed ? '✓ schema check passed' : '✗ schema check failed');
  return lines.join('\n');
}

function git(...args: string[]): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** The base to compare with: the merge base with origin/main, or with main. */
function defaultBase(): string {
  for (const branch of ['origin/main', 'main']) {
    try {
      return git('merge-base', 'HEAD', branch);
    } catch {
      // Not there (a shallow clone, another remote name): the next one.
    }
  }
  throw new Error('no origin/main or main to compare with: give --base <git ref>');
}

/** Each subgraph's SDL at a git ref (absent where the subgraph did not exist yet). */
function subgraphsAt(ref: string): SubgraphSdl {
  return Object.fromEntries(
    SUBGRAPH_NAMES.flatMap((name) => {
      const path = relative(ROOT, fileURLToPath(SUBGRAPHS[name].schemaUrl));
      try {
        return [[name, git('show', `${ref}:${path}`)]];
      } catch {
        return [];
      }
    }),
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { base: { type: 'string' } } });
  const base = values.base ?? process.env.SCHEMA_CHECK_BASE ?? defaultBase();
  const report = await checkSchemas({
    before: subgraphsAt(base),
    after: Object.fromEntries(
      SUBGRAPH_NAMES.map((name) => [name, readFileSync(SUBGRAPHS[name].schemaUrl, 'utf8')]),
    ),
    manifest: readManifestFile(DEFAULT_TRUSTED_DOCUMENTS_MANIFEST),
    acknowledged: readAcknowledgedChanges(),
  });
  process.stdout.write(`${formatReport(report, base)}\n`);
  if (!report.passed) process.exitCode = 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error((error as Error).message);
    process.exitCode = 1;
  });
}
