/** Reading GraphQL responses in tests without non-null assertions. */
import type { GraphQLResponse } from './services.ts';

export type GraphQLErrorBody = NonNullable<GraphQLResponse['body']['errors']>[number];

/** The data of a response that must have succeeded; throws with the whole body otherwise. */
export function dataOf<TData>(response: GraphQLResponse<TData>): TData {
  const { data, errors } = response.body;
  if (errors !== undefined || data === undefined || data === null) {
    throw new Error(
      `expected data without errors, got HTTP ${response.status} ${JSON.stringify(response.body)}`,
    );
  }
  return data;
}

/** The one error of a response; throws when there is none or more than one. */
export function singleError(response: GraphQLResponse): GraphQLErrorBody {
  const errors = response.body.errors ?? [];
  const [first] = errors;
  if (errors.length !== 1 || first === undefined) {
    throw new Error(`expected exactly one error, got ${JSON.stringify(response.body)}`);
  }
  return first;
}
