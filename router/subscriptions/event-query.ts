/**
 * How the router resolves a subscription event for a subscriber: the subscription's selection is moved,
 * as it is, onto the query field that reads one event by id, and that query runs through the gateway
 * like any other. So `lowStockAlerts { product { name } available }` is answered, for each alert, by
 *
 *   query($eventId: ID!) { event: lowStockAlert(id: $eventId) { product { name } available } }
 *
 * with the subscriber's identity: the same query plan, the same permissions as in a query. Any
 * event-driven subscription field with such a lookup field is served this way.
 */
import {
  getArgumentValues,
  getNamedType,
  Kind,
  print,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
} from 'graphql';
import { rootFields } from '../operation-fields.ts';

/** Where the event and the filter data are in the result of an event query. */
export const EVENT_KEY = 'event';
export const FILTER_KEY = 'filter';

export interface EventQuery {
  /** The printed query: with its variables and the viewer, the key of a group of subscribers. */
  text: string;
  /** The name of the variable that takes the event's id. */
  eventIdVariable: string;
  /** The subscriber's variables that the query still uses. */
  variables: Record<string, unknown>;
  /** The key under which the client expects each event (the root field's alias, or its name). */
  responseKey: string;
  /** The subscription field's arguments, with the variables applied. */
  args: Record<string, unknown>;
  /**
   * Whether every subscriber with the same role gets the same answer: the selection reaches no type whose
   * access depends on who the viewer is (options.personalTypes), so the role decides all it may see.
   */
  sameForRole: boolean;
}

export interface EventQueryOptions {
  /** The subscription root field, e.g. `lowStockAlerts`. */
  subscriptionField: string;
  /** The query field that reads one event by its `id`, e.g. `lowStockAlert`. */
  lookupField: string;
  /**
   * Fields of the event the router needs to filter it for these arguments, selected under FILTER_KEY
   * (none: no filter field).
   */
  filterSelections: (args: Record<string, unknown>) => readonly SelectionNode[];
  /** Types whose fields answer differently per viewer, not only per role (a user's own orders, say). */
  personalTypes: ReadonlySet<string>;
}

/**
 * The event query for a validated subscription operation (one root field, `options.subscriptionField`).
 * Throws when the operation is something else.
 */
export function eventQuery(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  options: EventQueryOptions,
): EventQuery {
  const [field, ...others] = rootFields(document, operation);
  const subscriptionType = schema.getSubscriptionType();
  const definition = subscriptionType?.getFields()[options.subscriptionField];
  if (!field || others.length > 0 || field.name.value !== options.subscriptionField || !definition) {
    throw new Error(`only ${options.subscriptionField} subscriptions are served`);
  }
  const args = getArgumentValues(definition, field, variables);
  const taken = new Set((operation.variableDefinitions ?? []).map((v) => v.variable.name.value));
  let eventIdVariable = 'eventId';
  for (let n = 2; taken.has(eventIdVariable); n++) eventIdVariable = `eventId${n}`;

  const lookup = (alias: string, selections: readonly SelectionNode[], directives: FieldNode['directives']) =>
    ({
      kind: Kind.FIELD,
      alias: { kind: Kind.NAME, value: alias },
      name: { kind: Kind.NAME, value: options.lookupField },
      arguments: [
        {
          kind: Kind.ARGUMENT,
          name: { kind: Kind.NAME, value: 'id' },
          value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: eventIdVariable } },
        },
      ],
      directives,
      selectionSet: { kind: Kind.SELECTION_SET, selections },
    }) satisfies FieldNode;

  const selections: FieldNode[] = [lookup(EVENT_KEY, field.selectionSet?.selections ?? [], field.directives)];
  const filterSelections = options.filterSelections(args);
  if (filterSelections.length > 0) selections.push(lookup(FILTER_KEY, filterSelections, []));
  const queryOperation: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: 'query' as OperationDefinitionNode['operation'],
    name: operation.name,
    directives: [],
    selectionSet: { kind: Kind.SELECTION_SET, selections },
    variableDefinitions: [],
  };
  // Only what the query still uses may stay: GraphQL refuses unused variables and fragments.
  const fragments = usedFragments(document, queryOperation);
  const usedVariables = variablesIn([queryOperation, ...fragments]);
  const query: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        ...queryOperation,
        variableDefinitions: [
          ...(operation.variableDefinitions ?? []).filter((v) => usedVariables.has(v.variable.name.value)),
          {
            kind: Kind.VARIABLE_DEFINITION,
            variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: eventIdVariable } },
            type: {
              kind: Kind.NON_NULL_TYPE,
              type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } },
            },
          },
        ],
      },
      ...fragments,
    ],
  };
  return {
    text: print(query),
    sameForRole: !reachesPersonalType(schema, query, options.personalTypes),
    eventIdVariable,
    variables: Object.fromEntries(Object.entries(variables).filter(([name]) => usedVariables.has(name))),
    responseKey: field.alias?.value ?? field.name.value,
    args,
  };
}

function reachesPersonalType(
  schema: GraphQLSchema,
  query: DocumentNode,
  personalTypes: ReadonlySet<string>,
): boolean {
  const typeInfo = new TypeInfo(schema);
  let reaches = false;
  visit(
    query,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const type = typeInfo.getType();
        if (type && personalTypes.has(getNamedType(type).name)) reaches = true;
      },
    }),
  );
  return reaches;
}

/** The fragment definitions `operation` spreads, directly or through other fragments. */
function usedFragments(document: DocumentNode, operation: OperationDefinitionNode): FragmentDefinitionNode[] {
  const definitions = new Map(
    document.definitions.flatMap((definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [],
    ),
  );
  const used = new Map<string, FragmentDefinitionNode>();
  const pending: (OperationDefinitionNode | FragmentDefinitionNode)[] = [operation];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    visit(node, {
      FragmentSpread(spread) {
        const fragment = definitions.get(spread.name.value);
        if (fragment && !used.has(fragment.name.value)) {
          used.set(fragment.name.value, fragment);
          pending.push(fragment);
        }
      },
    });
  }
  return [...used.values()];
}

function variablesIn(nodes: readonly (OperationDefinitionNode | FragmentDefinitionNode)[]): Set<string> {
  const names = new Set<string>();
  for (const node of nodes) {
    visit(node, {
      Variable(variable) {
        names.add(variable.name.value);
      },
    });
  }
  return names;
}
