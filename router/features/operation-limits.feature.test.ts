/** The SDK's own operations must pass the router's default operation limits. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import {
  buildSchema,
  getOperationAST,
  parse,
  print,
  specifiedRules,
  validate,
  type DocumentNode,
} from 'graphql';
import * as generated from '../../sdk/__generated__/typed/graphql.ts';
import { readRouterConfig, DEFAULT_SUPERGRAPH_PATH } from '../config.ts';
import { apiSchemaSdl } from '../../scripts/supergraph.ts';
import { operationCost } from '../operation-cost.ts';
import { useOperationLimits } from './operation-limits.feature.ts';

describe('the default operation limits', () => {
  const config = readRouterConfig({ EVENT_BUS_DATABASE_URL: 'postgres://localhost/events' });
  const limits = useOperationLimits(config.operationLimits);
  const schema = buildSchema(apiSchemaSdl(readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8')));
  // Each operation's document as the SDK sends it: the operation and the fragments it uses.
  const operations = Object.values(generated).flatMap((value) => {
    const document = value as DocumentNode;
    const name = document?.kind === 'Document' ? getOperationAST(document)?.name?.value : undefined;
    return name === undefined ? [] : [[name, print(document)] as const];
  });

  it('find the SDK operations', () => {
    expect(operations.length).toBeGreaterThan(20);
  });

  it.each(operations)('accept %s', (_name, text) => {
    // The router parses with the token limit, then validates with the other limits.
    const errors = validate(schema, parse(text, limits.parseOptions), [
      ...specifiedRules,
      ...(limits.validationRules ?? []),
    ]);
    expect(errors.map((error) => error.message)).toEqual([]);
  });

  it.each(operations)('accept %s at the largest page size by its cost', (_name, text) => {
    const document = parse(text);
    const operation = getOperationAST(document);
    if (!operation) throw new Error('no operation');
    expect(operationCost(schema, document, operation, { pageSize: 100 })).toBeLessThanOrEqual(
      config.operationLimits.maxCost,
    );
  });
});
