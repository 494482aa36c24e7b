/** The SDK's own operations must pass the router's default operation limits. */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { readRouterConfig, DEFAULT_SUPERGRAPH_PATH } from '../config.ts';
import { apiSchemaSdl } from '../supergraph.ts';
import { operationLimits } from './operation-limits.plugin.ts';

const OPERATIONS_DIR = new URL('../../schema/operations/', import.meta.url);

describe('the default operation limits', () => {
  const config = readRouterConfig({ EVENT_BUS_DATABASE_URL: 'postgres://localhost/events' });
  const limits = operationLimits(config.operationLimits);
  const schema = buildSchema(apiSchemaSdl(readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8')));
  const sources = readdirSync(OPERATIONS_DIR)
    .filter((file) => file.endsWith('.graphql'))
    .map((file) => readFileSync(new URL(file, OPERATIONS_DIR), 'utf8'));
  const document = parse(sources.join('\n'), limits.parseOptions);
  const fragments = document.definitions.filter((definition) => definition.kind === 'FragmentDefinition');
  const operations = document.definitions.flatMap((definition) =>
    definition.kind === 'OperationDefinition' ? [definition] : [],
  );

  it('find the SDK operations', () => {
    expect(operations.length).toBeGreaterThan(20);
  });

  it.each(operations.map((operation) => [operation.name?.value ?? '?', operation] as const))(
    'accept %s',
    (_name, operation) => {
      // Each operation alone, with the fragments it may use, as the SDK sends it.
      const errors = validate(schema, { kind: document.kind, definitions: [operation, ...fragments] }, [
        ...specifiedRules.filter((rule) => rule.name !== 'NoUnusedFragmentsRule'),
        ...limits.validationRules,
      ]);
      expect(errors.map((error) => error.message)).toEqual([]);
    },
  );
});
