/**
 * The one shape of a router feature (authentication, rate limits, subscriptions, …): a `useX(options)`
 * in router/features/ returns one object of hooks, and create-router.ts folds the list of them. A feature
 * contributes only the hooks it needs; each hook's place in the request is written here, once.
 */
import type { Server } from 'node:http';
import type { ApolloServer, ApolloServerPlugin, HTTPGraphQLResponse } from '@apollo/server';
import type { GraphQLSchema, ParseOptions, ValidationRule } from 'graphql';
import type { DependencyReport, IncomingRequest, OperationSource } from '../lib/http-server.ts';
import type { Logger } from '../lib/logger.ts';
import type { RouterContext } from './router-context.ts';

/** What a feature may use of the router once it is built. */
export interface RouterRuntime {
  logger: Logger;
  /** Runs an operation through the whole pipeline (every feature's checks, then the gateway). */
  apollo: ApolloServer<RouterContext>;
  /** The supergraph's API schema, once the gateway has loaded it. */
  apiSchema(): GraphQLSchema | undefined;
  /** The parse options of every feature (the token limit), for documents parsed outside Apollo. */
  parseOptions: ParseOptions;
  /**
   * The context of a request, as every feature builds it for an HTTP request; throws the GraphQLError a
   * feature refuses it with (a bad token: UNAUTHENTICATED).
   */
  contextFor(request: IncomingRequest, purpose: RouterContext['purpose']): Promise<RouterContext>;
  /** Every feature's `admitOperation`, for operations that do not come over HTTP (a subscribe message). */
  admitOperation(operation: OperationSource, context: RouterContext): OperationSource;
}

export interface RouterFeature {
  /** Names the feature in logs and readiness reasons. */
  name: string;
  /** Apollo Server plugins, in the order they run (features run in list order). */
  plugins?: readonly ApolloServerPlugin<RouterContext>[];
  /** Validation rules added to GraphQL's own. */
  validationRules?: readonly ValidationRule[];
  /** Options for parsing every operation (merged across features). */
  parseOptions?: ParseOptions;
  /**
   * Admits one operation before anything parses it (an HTTP request's, each of a batch's, a subscribe
   * message's), once its context is built: returns it as it should run (a document looked up by its
   * hash), the same object when unchanged, or throws the GraphQLError it is refused with (trusted
   * documents).
   */
  admitOperation?(operation: OperationSource, context: RouterContext): OperationSource;
  /** Adds to the context of every request (HTTP, or a WebSocket connection's), after the router's own. */
  extendContext?(request: IncomingRequest): Promise<Partial<RouterContext>>;
  /** The response to send for an HTTP request, given the one Apollo produced (or the error it threw). */
  finishResponse?(
    context: RouterContext,
    response: HTTPGraphQLResponse | Error,
  ): Promise<HTTPGraphQLResponse | Error>;
  /** Attaches to the HTTP server once it listens (a WebSocket endpoint); closed first on shutdown. */
  attach?(server: Server, runtime: RouterRuntime): { close(): Promise<void> };
  /**
   * How the dependencies it uses answer (/health/dependencies). Never the router's readiness: one
   * dependency down fails only the requests that need it.
   */
  reportDependencies?(): Promise<Readonly<Record<string, DependencyReport>>>;
  /** Resolves once what the feature started in `attach` serves (the alert feed listens on the bus). */
  started?(): Promise<void>;
  /** Releases what the feature holds (connections, timers), after requests have drained. */
  close?(): Promise<void>;
}

/** Every hook of a list of features, as one. */
export type ComposedFeatures = Required<Omit<RouterFeature, 'name'>>;

/** The features as one: each hook runs every feature's in list order (dependency reports and start in parallel). */
export function composeFeatures(features: readonly RouterFeature[]): ComposedFeatures {
  const extensions = features.flatMap((feature) => feature.extendContext ?? []);
  const finishers = features.flatMap((feature) => feature.finishResponse ?? []);
  const admitters = features.flatMap((feature) =>
    feature.admitOperation ? [feature.admitOperation.bind(feature)] : [],
  );
  const all = async (hook: (feature: RouterFeature) => Promise<void> | undefined) => {
    await Promise.all(features.map(hook));
  };
  return {
    plugins: features.flatMap((feature) => feature.plugins ?? []),
    validationRules: features.flatMap((feature) => feature.validationRules ?? []),
    parseOptions: Object.assign({}, ...features.map((feature) => feature.parseOptions)) as ParseOptions,
    admitOperation(operation, context) {
      for (const admit of admitters) operation = admit(operation, context);
      return operation;
    },
    async extendContext(request) {
      const extension: Partial<RouterContext> = {};
      for (const extend of extensions) Object.assign(extension, await extend(request));
      return extension;
    },
    async finishResponse(context, response) {
      for (const finish of finishers) response = await finish(context, response);
      return response;
    },
    attach(server, runtime) {
      const attached = features.flatMap((feature) => feature.attach?.(server, runtime) ?? []);
      return { close: () => Promise.all(attached.map((each) => each.close())).then(() => undefined) };
    },
    async reportDependencies() {
      const reports = await Promise.all(features.map((feature) => feature.reportDependencies?.() ?? {}));
      return Object.assign({}, ...reports) as Record<string, DependencyReport>;
    },
    started: () => all((feature) => feature.started?.()),
    async close() {
      // Every feature closes, in order, even when one before it fails (a store out of reach).
      const failures: unknown[] = [];
      for (const feature of features) await feature.close?.().catch((error: unknown) => failures.push(error));
      if (failures.length > 0)
        throw new AggregateError(failures, 'some router features did not close cleanly');
    },
  };
}
