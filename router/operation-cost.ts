/**
 * The cost of an operation: about how many values it asks the subgraphs for, with its variables applied.
 *
 * Every field costs 1. A page (the `items` of a field that takes `pageSize`) multiplies what it selects by
 * the page size the operation asks for, or the argument's default: `users(pageSize: 100) { items {
 * orders(pageSize: 100) { items { id } } } }` costs about 100 × 100, not 5. Other lists count once: their
 * size is bounded by the domain (an order's lines, a product's lots). Introspection and `__typename` cost
 * nothing.
 *
 * Variables change a page size, so the cost is computed per request, not once per document.
 */
import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE } from '../lib/paging.ts';

export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>>,
): number {
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }

  /** The cost of a selection on `type`; `pageSize` is set for the selection of a paged field. */
  const costOf = (
    selectionSet: SelectionSetNode,
    type: GraphQLCompositeType,
    pageSize: number | undefined,
    visiting: ReadonlySet<string>,
  ): number => {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        if (isCompositeType(condition)) cost += costOf(selection.selectionSet, condition, pageSize, visiting);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        const condition = fragment && schema.getType(fragment.typeCondition.name.value);
        if (!fragment || visiting.has(name) || !isCompositeType(condition)) continue;
        cost += costOf(fragment.selectionSet, condition, pageSize, new Set([...visiting, name]));
        continue;
      }
      const name = selection.name.value;
      if (name.startsWith('__')) continue;
      const field = fieldOf(type, name);
      if (!field) continue;
      cost += 1;
      const named = getNamedType(field.type);
      if (!selection.selectionSet || !isCompositeType(named)) continue;
      const paged = field.args.some((arg) => arg.name === 'pageSize');
      const size = paged ? pageSizeOf(field, selection, variables) : undefined;
      const listed = isListType(getNullableType(field.type)) ? (pageSize ?? 1) : 1;
      cost += listed * costOf(selection.selectionSet, named, size, visiting);
    }
    return cost;
  };
  return costOf(operation.selectionSet, rootType, undefined, new Set());
}

function fieldOf(type: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  return isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;
}

function pageSizeOf(
  field: GraphQLField<unknown, unknown>,
  node: Parameters<typeof getArgumentValues>[1],
  variables: Readonly<Record<string, unknown>>,
): number {
  let value: unknown;
  try {
    value = getArgumentValues(field, node, variables).pageSize;
  } catch {
    // Bad variables are refused when the operation executes; count the default meanwhile.
  }
  return typeof value === 'number' && value > 0 ? value : DEFAULT_PAGE_SIZE;
}
