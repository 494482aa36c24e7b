/**
 * A subgraph called straight over HTTP as the router calls it: each operation signed with the router secret
 * for the viewer the router vouches for. And what a test checks of a refused request.
 */
import { expect } from '@jest/globals';
import { signRouterRequest } from '../../lib/router-proof.ts';
import type { Viewer } from '../../lib/viewer.ts';
import {
  dataOf,
  sendGraphQL,
  singleError,
  type GraphQLErrorBody,
  type GraphQLReply,
  type GraphQLResponse,
} from './graphql.ts';
import { TEST_ROUTER_SECRET } from './services.ts';

type Variables = Record<string, unknown> | undefined;

export interface SubgraphClient {
  /** The subgraph's GraphQL URL. */
  url: string;
  /** The reply to `query` sent for `viewer` (null: anonymous; omitted: the client's viewer). */
  request<TData = Record<string, unknown>>(
    query: string,
    variables?: Variables,
    viewer?: Viewer | null,
  ): Promise<GraphQLReply<TData>>;
  /** The data of the reply to `query`, which must succeed (throws with the reply otherwise). */
  data<TData = Record<string, unknown>>(
    query: string,
    variables?: Variables,
    viewer?: Viewer | null,
  ): Promise<TData>;
  /** The whole HTTP response to `query`, sent with `headers` too (the `x-request-id` the router forwards). */
  post<TData = Record<string, unknown>>(
    query: string,
    variables: Variables,
    viewer?: Viewer | null,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<TData>>;
}

export interface SubgraphClientOptions {
  /** Whom a call that names no viewer is made for; null (the default) is an anonymous caller. */
  viewer?: Viewer | null;
  /** Runs on every reply, e.g. to check that none betrays the subgraph's internals. */
  checkReply?: (reply: GraphQLReply<unknown>) => void;
}

/** A client of the subgraph at `target` (its URL, or a running test subgraph). */
export function subgraphClient(
  target: string | { server: { url: string } },
  options: SubgraphClientOptions = {},
): SubgraphClient {
  const url = typeof target === 'string' ? target : target.server.url;
  const { viewer: defaultViewer = null, checkReply } = options;
  async function post<TData>(
    query: string,
    variables: Variables,
    viewer: Viewer | null = defaultViewer,
    headers: Record<string, string> = {},
  ): Promise<GraphQLResponse<TData>> {
    const body = JSON.stringify({ query, variables });
    const response = await sendGraphQL<TData>(url, body, {
      ...headers,
      ...signRouterRequest(TEST_ROUTER_SECRET, body, viewer),
    });
    checkReply?.(response.body);
    return response;
  }
  const request = async <TData>(query: string, variables?: Variables, viewer?: Viewer | null) =>
    (await post<TData>(query, variables, viewer)).body;
  return {
    url,
    post,
    request,
    data: async <TData>(query: string, variables?: Variables, viewer?: Viewer | null) =>
      dataOf(await request<TData>(query, variables, viewer)),
  };
}

type Answer = GraphQLReply<unknown> | GraphQLResponse<unknown>;

const replyOf = (answer: Answer): GraphQLReply<unknown> => ('body' in answer ? answer.body : answer);

/** The one error of a refused request, with `code`, naming `field` in its extensions when given. */
export function expectRefusal(answer: Answer, code: string, field?: string): GraphQLErrorBody {
  expect(replyOf(answer).errors).toHaveLength(1);
  const error = singleError(answer);
  expect(error.extensions?.code).toBe(code);
  if (field !== undefined) expect(error.extensions?.field).toBe(field);
  return error;
}

/** expectRefusal, and the message names `field` as written (`input.lines[0].quantity: …`). */
export function expectRefusalNamingField(answer: Answer, code: string, field: string): GraphQLErrorBody {
  const error = expectRefusal(answer, code, field);
  expect(error.message).toContain(field);
  return error;
}

/** expectRefusal of a request that answered no data at all. */
export function expectRefusalWithoutData(answer: Answer, code: string, field?: string): GraphQLErrorBody {
  const error = expectRefusal(answer, code, field);
  expect(replyOf(answer).data ?? null).toBeNull();
  return error;
}

/** The one error of a reply as its code, field and message, to compare whole. */
export function refusalOf(answer: Answer): { code: unknown; field: unknown; message: string } {
  expect(replyOf(answer).errors).toHaveLength(1);
  const { extensions, message } = singleError(answer);
  return { code: extensions?.code, field: extensions?.field, message };
}

/** A check for every reply: its text matches none of `leaks` (stack traces, SQL, table names). */
export function expectNoLeak(leaks: RegExp): (reply: GraphQLReply<unknown>) => void {
  return (reply) => expect(JSON.stringify(reply)).not.toMatch(leaks);
}
