/**
 * The event query that the router runs for each event and each group of subscribers, built from the
 * subscription operation, against the real API schema of the supergraph: every query printed here must
 * be valid against it, since the gateway runs it as a query of its own.
 */
import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { describe, expect, it } from '@jest/globals';
import {
  getOperationAST,
  getVariableValues,
  Kind,
  parse,
  print,
  validate,
  type GraphQLSchema,
  type SelectionNode,
} from 'graphql';
import { DEFAULT_SUPERGRAPH_PATH } from '../config.ts';
import { eventQuery, type EventQuery, type EventQueryOptions } from './event-query.ts';

const schema: GraphQLSchema = Supergraph.build(readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8'))
  .apiSchema()
  .toGraphQLJSSchema();

/** What the subscription server asks for: the product's category, to filter by it. */
const CATEGORY_SELECTION: readonly SelectionNode[] = parse('{ product { category } }').definitions.flatMap(
  (definition) => (definition.kind === Kind.OPERATION_DEFINITION ? definition.selectionSet.selections : []),
);

const OPTIONS: EventQueryOptions = {
  subscriptionField: 'lowStockAlerts',
  lookupField: 'lowStockAlert',
  filterSelections: (args) => (typeof args.category === 'string' ? CATEGORY_SELECTION : []),
  personalTypes: new Set(['User']),
};

/** `source` (valid against the API schema) with its variables coerced, as the subscription server does. */
function prepare(source: string, variables: Record<string, unknown> = {}, operationName?: string) {
  const document = parse(source);
  expect(validate(schema, document)).toEqual([]);
  const operation = getOperationAST(document, operationName);
  if (!operation) throw new Error('no operation');
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (coerced.errors) throw new Error(coerced.errors.map(({ message }) => message).join('\n'));
  return { document, operation, variables: coerced.coerced };
}

/** The event query of `source`, checked to be a valid query against the API schema. */
function transform(
  source: string,
  variables: Record<string, unknown> = {},
  operationName?: string,
  options: EventQueryOptions = OPTIONS,
): EventQuery {
  const prepared = prepare(source, variables, operationName);
  const query = eventQuery(schema, prepared.document, prepared.operation, prepared.variables, options);
  expect(validate(schema, parse(query.text))).toEqual([]);
  return query;
}

/** `source` as `print` lays it out, to compare query texts whatever their whitespace. */
const printed = (source: string) => print(parse(source));

describe('eventQuery', () => {
  it('takes the root field alias as the response key and moves the selection onto lowStockAlert', () => {
    const query = transform('subscription { alerts: lowStockAlerts { id available product { name } } }');
    expect(query).toEqual({
      text: printed(
        'query ($eventId: ID!) { event: lowStockAlert(id: $eventId) { id available product { name } } }',
      ),
      eventIdVariable: 'eventId',
      variables: {},
      responseKey: 'alerts',
      args: {},
      sameForRole: true,
    });
  });

  it('takes lowStockAlerts as the response key without an alias and keeps the operation name', () => {
    const query = transform('subscription Watch { lowStockAlerts { shortage reorderLevel } }');
    expect(query.responseKey).toBe('lowStockAlerts');
    expect(query.text).toBe(
      printed('query Watch($eventId: ID!) { event: lowStockAlert(id: $eventId) { shortage reorderLevel } }'),
    );
  });

  it('evaluates the arguments with the variables, and drops the variables only the arguments used', () => {
    const query = transform(
      `subscription ($ids: [ID!], $category: String) {
        lowStockAlerts(productIds: $ids, category: $category) { id }
      }`,
      { ids: ['12', '7'], category: 'Analgesics' },
    );
    expect(query.args).toEqual({ productIds: ['12', '7'], category: 'Analgesics' });
    expect(query.variables).toEqual({});
    expect(query.text).toBe(
      printed(`query ($eventId: ID!) {
        event: lowStockAlert(id: $eventId) { id }
        filter: lowStockAlert(id: $eventId) { product { category } }
      }`),
    );
  });

  it('evaluates literal arguments and a single id given for the list, coerced as IDs', () => {
    expect(
      transform('subscription { lowStockAlerts(productIds: [3, "4"], category: "Vitamins") { id } }').args,
    ).toEqual({ productIds: ['3', '4'], category: 'Vitamins' });
    expect(
      transform('subscription ($ids: [ID!]) { lowStockAlerts(productIds: $ids) { id } }', { ids: 9 }).args,
    ).toEqual({ productIds: ['9'] });
    // Variables absent from the request leave their argument out.
    expect(
      transform(
        'subscription ($ids: [ID!], $c: String) { lowStockAlerts(productIds: $ids, category: $c) { id } }',
      ).args,
    ).toEqual({});
  });

  it('keeps the variables the selection uses, with their values, and drops the others', () => {
    const query = transform(
      `subscription ($ids: [ID!], $withProduct: Boolean!, $skipOrder: Boolean = true) {
        lowStockAlerts(productIds: $ids) {
          id
          product @include(if: $withProduct) { name }
          orderId @skip(if: $skipOrder)
        }
      }`,
      { ids: ['1'], withProduct: false },
    );
    expect(query.args).toEqual({ productIds: ['1'] });
    // The default applies: the query gets the value the subscription would have used.
    expect(query.variables).toEqual({ withProduct: false, skipOrder: true });
    expect(query.text).toBe(
      printed(`query ($withProduct: Boolean!, $skipOrder: Boolean = true, $eventId: ID!) {
        event: lowStockAlert(id: $eventId) {
          id
          product @include(if: $withProduct) { name }
          orderId @skip(if: $skipOrder)
        }
      }`),
    );
  });

  it('keeps the named fragments the selection spreads, nested ones and the variables in them, and no others', () => {
    const query = transform(
      `subscription Watch ($withSku: Boolean!) { lowStockAlerts { ...AlertFields } }
       fragment AlertFields on LowStockAlert { id available product { ...ProductFields } }
       fragment ProductFields on Product { name sku @include(if: $withSku) }
       query Other { lowStockAlert(id: "1") { ...OtherFields } }
       fragment OtherFields on LowStockAlert { quantity }`,
      { withSku: true },
      'Watch',
    );
    expect(query.variables).toEqual({ withSku: true });
    expect(query.text).toBe(
      printed(`query Watch($withSku: Boolean!, $eventId: ID!) { event: lowStockAlert(id: $eventId) { ...AlertFields } }
       fragment AlertFields on LowStockAlert { id available product { ...ProductFields } }
       fragment ProductFields on Product { name sku @include(if: $withSku) }`),
    );
  });

  it('reads a root field spread from a fragment on Subscription, which the query does not keep', () => {
    const query = transform(
      `subscription ($category: String, $withName: Boolean!) { ...Root }
       fragment Root on Subscription {
         mine: lowStockAlerts(category: $category) { ...AlertFields product { name @include(if: $withName) } }
       }
       fragment AlertFields on LowStockAlert { id shortage }`,
      { category: 'Antibiotics', withName: true },
    );
    expect(query.responseKey).toBe('mine');
    expect(query.args).toEqual({ category: 'Antibiotics' });
    expect(query.variables).toEqual({ withName: true });
    expect(query.text).toBe(
      printed(`query ($withName: Boolean!, $eventId: ID!) {
        event: lowStockAlert(id: $eventId) { ...AlertFields product { name @include(if: $withName) } }
        filter: lowStockAlert(id: $eventId) { product { category } }
      }
      fragment AlertFields on LowStockAlert { id shortage }`),
    );
  });

  it('reads a root field inside an inline fragment at the subscription root', () => {
    const query = transform(
      'subscription { ... on Subscription { lowStockAlerts(productIds: ["5"]) { id } } }',
    );
    expect(query.args).toEqual({ productIds: ['5'] });
    expect(query.responseKey).toBe('lowStockAlerts');
    expect(query.text).toBe(printed('query ($eventId: ID!) { event: lowStockAlert(id: $eventId) { id } }'));
  });

  it('names the event id variable $eventId2 when the operation already has an $eventId, $eventId3 after that', () => {
    const query = transform(
      'subscription ($eventId: Boolean!) { lowStockAlerts { id product @include(if: $eventId) { name } } }',
      { eventId: true },
    );
    expect(query.eventIdVariable).toBe('eventId2');
    expect(query.variables).toEqual({ eventId: true });
    expect(query.text).toBe(
      printed(`query ($eventId: Boolean!, $eventId2: ID!) {
        event: lowStockAlert(id: $eventId2) { id product @include(if: $eventId) { name } }
      }`),
    );

    const both = transform(
      'subscription ($eventId: [ID!], $eventId2: String) { lowStockAlerts(productIds: $eventId, category: $eventId2) { id } }',
      { eventId: ['1'], eventId2: 'Vitamins' },
    );
    expect(both.eventIdVariable).toBe('eventId3');
    expect(both.variables).toEqual({});
    expect(both.text).toBe(
      printed(`query ($eventId3: ID!) {
        event: lowStockAlert(id: $eventId3) { id }
        filter: lowStockAlert(id: $eventId3) { product { category } }
      }`),
    );
  });

  it('selects the filter field only when filterSelections returns selections for the arguments', () => {
    const withoutFilter = printed('query ($eventId: ID!) { event: lowStockAlert(id: $eventId) { id } }');
    expect(transform('subscription { lowStockAlerts(productIds: ["1"]) { id } }').text).toBe(withoutFilter);
    expect(transform('subscription { lowStockAlerts(category: null) { id } }').text).toBe(withoutFilter);
    expect(transform('subscription { lowStockAlerts(category: "Vitamins") { id } }').text).toBe(
      printed(`query ($eventId: ID!) {
        event: lowStockAlert(id: $eventId) { id }
        filter: lowStockAlert(id: $eventId) { product { category } }
      }`),
    );
    // filterSelections is asked with the evaluated arguments.
    const asked: Record<string, unknown>[] = [];
    transform(
      'subscription ($c: String) { lowStockAlerts(category: $c, productIds: [1]) { id } }',
      { c: 'Vitamins' },
      undefined,
      {
        ...OPTIONS,
        filterSelections: (args) => {
          asked.push(args);
          return [];
        },
      },
    );
    expect(asked).toEqual([{ category: 'Vitamins', productIds: ['1'] }]);
  });

  it('shares an answer per role unless the selection reaches a personal type, through fragments too', () => {
    expect(
      transform('subscription { lowStockAlerts { id product { name inventory { available } } } }')
        .sameForRole,
    ).toBe(true);
    const personal = transform(`subscription { lowStockAlerts { product { inventory { ...Moves } } } }
      fragment Moves on InventoryItem { movements { items { actor { id } } } }`);
    expect(personal.sameForRole).toBe(false);
  });

  it('refuses an operation whose root field is not lowStockAlerts, or that has more than one', () => {
    const refuse = (source: string, options: EventQueryOptions = OPTIONS) => {
      const document = parse(source);
      const operation = getOperationAST(document);
      if (!operation) throw new Error('no operation');
      return () => eventQuery(schema, document, operation, {}, options);
    };
    expect(refuse('{ lowStockAlert(id: "1") { id } }')).toThrow(
      'only lowStockAlerts subscriptions are served',
    );
    expect(refuse('subscription { __typename }')).toThrow('only lowStockAlerts subscriptions are served');
    expect(refuse('subscription { a: lowStockAlerts { id } b: lowStockAlerts { id } }')).toThrow(
      'only lowStockAlerts subscriptions are served',
    );
    expect(
      refuse('subscription { lowStockAlerts { id } }', { ...OPTIONS, subscriptionField: 'orderUpdates' }),
    ).toThrow('only orderUpdates subscriptions are served');
  });
});
