import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_TRUSTED_DOCUMENTS_MANIFEST } from '../router/config.ts';
import { readManifestFile } from '../router/trusted-document-manifest.ts';
import { SUBGRAPHS, SUBGRAPH_NAMES } from '../subgraphs/registry.ts';
import {
  checkSchemas,
  formatReport,
  readAcknowledgedChanges,
  type AcknowledgedChange,
  type SubgraphSdl,
} from './schema-check.ts';

const before: SubgraphSdl = Object.fromEntries(
  SUBGRAPH_NAMES.map((name) => [name, readFileSync(SUBGRAPHS[name].schemaUrl, 'utf8')]),
);
const manifest = readManifestFile(DEFAULT_TRUSTED_DOCUMENTS_MANIFEST);
/** The products SDL with one edit. */
function productsWith(from: string, to: string): SubgraphSdl {
  const products = before.products ?? '';
  if (!products.includes(from)) throw new Error(`the products SDL has no ${from}`);
  return { ...before, products: products.replace(from, to) };
}
const check = (after: SubgraphSdl, acknowledged: AcknowledgedChange[] = []) =>
  checkSchemas({ before, after, manifest, acknowledged });

describe('npm run schema:check', () => {
  it('passes a safe change, and says it is safe', async () => {
    const report = await check(
      productsWith('  manufacturer: String\n', '  manufacturer: String\n  barcode: String\n'),
    );
    expect(report.passed).toBe(true);
    expect(report.changes).toContainEqual(
      expect.objectContaining({
        schema: 'api',
        severity: 'SAFE',
        type: 'FIELD_ADDED',
        path: 'Product.barcode',
      }),
    );
    expect(formatReport(report, 'main')).toMatch(/SAFE +\[api\] Field 'barcode' was added/);
  });

  it('fails a breaking change that no client operation uses', async () => {
    const report = await check(productsWith('  search: String\n  name: String\n', '  search: String\n'));
    expect(report.passed).toBe(false);
    expect(report.brokenOperations).toEqual([]);
    expect(report.changes).toContainEqual(
      expect.objectContaining({
        schema: 'api',
        severity: 'BREAKING',
        type: 'INPUT_FIELD_REMOVED',
        path: 'ProductFilter.name',
      }),
    );
    expect(formatReport(report, 'main')).toContain('breaking change not acknowledged');
  });

  it('passes a breaking change acknowledged with a reason in every schema it shows in', async () => {
    const after = productsWith('  search: String\n  name: String\n', '  search: String\n');
    const acknowledged = (['products', 'api'] as const).map((schema) => ({
      schema,
      type: 'INPUT_FIELD_REMOVED',
      path: 'ProductFilter.name',
      reason: 'search covers it; no client filters by name',
    }));
    const report = await check(after, acknowledged);
    expect(report.passed).toBe(true);
    expect(formatReport(report, 'main')).toContain(
      '(acknowledged: search covers it; no client filters by name)',
    );
  });

  it("fails when one of the clients' operations no longer validates, even if acknowledged", async () => {
    const after = productsWith('  manufacturer: String\n  "Ordering', '  "Ordering');
    const acknowledged = (['products', 'api'] as const).map((schema) => ({
      schema,
      type: 'FIELD_REMOVED',
      path: 'Product.manufacturer',
      reason: 'meant',
    }));
    const report = await check(after, acknowledged);
    expect(report.passed).toBe(false);
    expect(report.brokenOperations.map(({ operation }) => operation)).toContain('Products');
    expect(formatReport(report, 'main')).toMatch(
      /operation Products no longer validates: Cannot query field "manufacturer"/,
    );
  });

  it('reads the committed acknowledgements, each with a reason', () => {
    expect(readAcknowledgedChanges()).toEqual(expect.any(Array));
  });
});
