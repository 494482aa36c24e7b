/** The cost of operations against the real API schema: page sizes multiply, variables included. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { buildSchema, getOperationAST, parse } from 'graphql';
import { apiSchemaSdl } from '../scripts/supergraph.ts';
import { DEFAULT_SUPERGRAPH_PATH } from './config.ts';
import { operationCost } from './operation-cost.ts';

const schema = buildSchema(apiSchemaSdl(readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8')));

function cost(source: string, variables: Record<string, unknown> = {}): number {
  const document = parse(source);
  const operation = getOperationAST(document);
  if (!operation) throw new Error('no operation');
  return operationCost(schema, document, operation, variables);
}

describe('operationCost', () => {
  it('counts every field once outside pages, and nothing for __typename and introspection', () => {
    expect(cost('{ categories }')).toBe(1);
    expect(cost('{ product(id: "1") { id name price __typename } }')).toBe(4);
    expect(cost('{ __schema { types { name } } __typename categories }')).toBe(1);
  });

  it("multiplies a page's items by the page size asked for, else the argument's default", () => {
    // products (1) + items (1) + per item: id, name (2) × 100; totalCount (1).
    expect(cost('{ products(pageSize: 100) { totalCount items { id name } } }')).toBe(1 + 1 + 1 + 200);
    expect(cost('{ products { items { id name } } }')).toBe(1 + 1 + 2 * 20);
  });

  it('takes the page size from the variables, and the default when the variable is missing', () => {
    const query = 'query ($size: Int) { products(pageSize: $size) { items { id } } }';
    expect(cost(query, { size: 50 })).toBe(1 + 1 + 50);
    expect(cost(query, {})).toBe(1 + 1 + 20);
  });

  it('multiplies nested pages: a page of users each with a page of orders', () => {
    const nested = `{ users(pageSize: 100) { items { id orders(pageSize: 100) { items { id status } } } } }`;
    // users + items + 100 × (id + orders + items + 100 × (id + status))
    expect(cost(nested)).toBe(2 + 100 * (3 + 100 * 2));
  });

  it('counts through named and inline fragments, and a list that is not a page once', () => {
    const withFragments = `
      query { myOrders(pageSize: 10) { items { ...Lines ... on Order { id } } } }
      fragment Lines on Order { lines { quantity lots { lotNumber } } }`;
    // myOrders + items + 10 × (lines + quantity + lots + lotNumber + id)
    expect(cost(withFragments)).toBe(2 + 10 * 5);
  });
});
