/** GraphQL over HTTP in tests: a raw POST, and reading its reply without non-null assertions. */

export interface GraphQLErrorBody {
  message: string;
  path?: (string | number)[];
  extensions?: Record<string, unknown>;
}

/** What a GraphQL server answers: data, errors, or both. */
export interface GraphQLReply<TData = Record<string, unknown>> {
  data?: TData | null;
  errors?: GraphQLErrorBody[];
}

export interface GraphQLResponse<TData = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: GraphQLReply<TData>;
}

/** The reply of an HTTP response, or the reply itself. */
function replyOf<TData>(answer: GraphQLResponse<TData> | GraphQLReply<TData>): GraphQLReply<TData> {
  return 'body' in answer ? answer.body : answer;
}

/** The data of a reply that must have succeeded; throws with the whole reply (and status) otherwise. */
export function dataOf<TData>(answer: GraphQLResponse<TData> | GraphQLReply<TData>): TData {
  const { data, errors } = replyOf(answer);
  if (errors !== undefined || data === undefined || data === null) {
    const status = 'status' in answer ? `HTTP ${answer.status} ` : '';
    throw new Error(`expected data without errors, got ${status}${JSON.stringify(replyOf(answer))}`);
  }
  return data;
}

/** The one error of a reply; throws when there is none or more than one. */
export function singleError<TData>(answer: GraphQLResponse<TData> | GraphQLReply<TData>): GraphQLErrorBody {
  const errors = replyOf(answer).errors ?? [];
  const [first] = errors;
  if (errors.length !== 1 || first === undefined) {
    throw new Error(`expected exactly one error, got ${JSON.stringify(replyOf(answer))}`);
  }
  return first;
}

/** A raw GraphQL POST with `headers`. */
export async function postGraphQL<TData = Record<string, unknown>>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<TData>> {
  return sendGraphQL<TData>(url, JSON.stringify({ query, variables }), headers);
}

/** POSTs a GraphQL request body as it is (a signature covers these exact bytes). */
export async function sendGraphQL<TData>(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<GraphQLResponse<TData>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as GraphQLReply<TData>,
  };
}
