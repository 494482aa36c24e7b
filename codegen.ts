/**
 * `npm run codegen`:
 * - resolver types for every subgraph, generated from its SDL, federation-aware (`__resolveReference`,
 *   keys) and mapped to the MikroORM entities, so a schema change that breaks a resolver fails the
 *   typecheck;
 * - the typed client SDK (`sdk/__generated__/sdk.ts`): one function per operation of
 *   `schema/operations/*.graphql`, checked against the supergraph's API schema;
 * - the same operations as `TypedDocumentNode`s (client preset, `sdk/__generated__/typed/`) for Apollo
 *   Client or urql, and the trusted-documents manifest `persisted-documents.json` (SHA-256 of each
 *   document → its text) that the router allows in production (router/features/trusted-documents.feature.ts).
 *   Extra operation folders (another client's) are added with `OPERATIONS=dir1,dir2 npm run codegen`.
 * Generated files are committed; a test checks they are current.
 */
import { readFileSync } from 'node:fs';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { apiSchemaSdl } from './scripts/supergraph.ts';

interface SubgraphTypes {
  context: string;
  mappers: Record<string, string>;
}

const subgraphs: Record<string, SubgraphTypes> = {
  users: { context: 'UsersContext', mappers: { User: '../user.entity.ts#User as UserEntity' } },
  products: {
    context: 'ProductsContext',
    mappers: { Product: '../product.entity.ts#ProductRecord' },
  },
  orders: {
    context: 'OrdersContext',
    mappers: {
      Order: '../order.entity.ts#Order as OrderEntity',
      OrderLine: '../order-line.entity.ts#OrderLine as OrderLineEntity',
      OrderLineLot: '../order-line-lot.entity.ts#OrderLineLot as OrderLineLotEntity',
      PrescriptionReview: '../prescription-review.entity.ts#PrescriptionReview as PrescriptionReviewEntity',
      RecallNotice: '../recall-notice.entity.ts#RecallNotice as RecallNoticeEntity',
      OrderStatusChange: '../order-status-change.entity.ts#OrderStatusChange as OrderStatusChangeEntity',
      Product: '../../../lib/federation.ts#EntityReference',
      User: '../../../lib/federation.ts#EntityReference',
    },
  },
  inventory: {
    context: 'InventoryContext',
    mappers: {
      InventoryItem: '../inventory-item.entity.ts#InventoryItem as InventoryItemEntity',
      StockMovement: '../stock-movement.entity.ts#StockMovement as StockMovementEntity',
      LowStockAlert: '../low-stock-alert.entity.ts#LowStockAlert as LowStockAlertEntity',
      Lot: '../lot.entity.ts#Lot as LotEntity',
      Order: '../../../lib/federation.ts#EntityReference',
      Product: '../../../lib/federation.ts#EntityReference',
      User: '../../../lib/federation.ts#EntityReference',
    },
  },
};

const apiSchema = apiSchemaSdl(readFileSync(new URL('./schema/supergraph.graphql', import.meta.url), 'utf8'));
/** This repository's operations, and any folders of another client's (`OPERATIONS=dir1,dir2`). */
const operations = [
  'schema/operations/*.graphql',
  ...(process.env.OPERATIONS ?? '')
    .split(',')
    .filter((dir) => dir.trim() !== '')
    .map((dir) => `${dir.trim()}/**/*.graphql`),
];
/** Over the wire all are strings: "9.99", "2026-01-31T12:00:00.000Z", "2027-03-31". */
const clientScalars = { ID: 'string', Decimal: 'string', DateTime: 'string', Date: 'string' };

const config: CodegenConfig = {
  overwrite: true,
  generates: {
    'sdk/__generated__/typed/': {
      schema: apiSchema,
      documents: operations,
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        // The manifest the router allows (TRUSTED_DOCUMENTS_MANIFEST); each document carries its hash.
        persistedDocuments: { mode: 'embedHashInDocument', hashAlgorithm: 'sha256' },
      },
      config: { useTypeImports: true, enumsAsTypes: true, scalars: clientScalars, importExtension: '.ts' },
    },
    'sdk/__generated__/sdk.ts': {
      schema: apiSchema,
      documents: operations,
      plugins: ['typescript-operations', 'typescript-generic-sdk'],
      config: {
        // The client preset's documents, each carrying its trusted-document hash (`__meta__.hash`).
        documentMode: 'external',
        importDocumentNodeExternallyFrom: './typed/graphql.ts',
        importExtension: '.ts',
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: clientScalars,
        avoidOptionals: { field: true, inputValue: false, object: true, defaultValue: false },
        omitOperationSuffix: false,
      },
    },
    ...Object.fromEntries(
      Object.entries(subgraphs).map(([name, types]) => [
        `subgraphs/${name}/__generated__/resolvers-types.ts`,
        {
          schema: `subgraphs/${name}/schema.graphql`,
          plugins: ['typescript', 'typescript-resolvers'],
          config: {
            federation: true,
            useTypeImports: true,
            importExtension: '.ts',
            enumsAsTypes: true,
            useIndexSignature: true,
            contextType: `../${name}.subgraph.ts#${types.context}`,
            mappers: types.mappers,
            scalars: { ID: 'string', Decimal: 'string', DateTime: 'Date', Date: 'string' },
          },
        },
      ]),
    ),
  },
};

export default config;
