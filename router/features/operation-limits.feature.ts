/**
 * Operation limits: depth, aliases, tokens and directives (graphql-armor) and cost (operation-cost.ts, page
 * sizes included) are checked before a query is planned; field suggestions ("did you mean …?") are masked
 * in production so the schema cannot be mapped by trial and error.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError } from 'graphql';
import { operationCost } from '../operation-cost.ts';
import type { RouterContext } from '../router-context.ts';
import type { RouterMetrics } from '../router-metrics.ts';
import type { RouterFeature } from '../router-feature.ts';

export interface OperationLimits {
  /** How deep selections may nest (MAX_DEPTH, 6). */
  maxDepth: number;
  /** Aliases in one operation (MAX_ALIASES, 15). */
  maxAliases: number;
  /** Tokens in one document, counted by the parser (MAX_TOKENS, 1000). */
  maxTokens: number;
  /** Directives in one operation (MAX_DIRECTIVES, 50). */
  maxDirectives: number;
  /** The cost of one operation, page sizes included (MAX_COST, 5000; router/operation-cost.ts). */
  maxCost: number;
  /** Masks "did you mean …?" suggestions (on in production). */
  blockFieldSuggestions: boolean;
}

/** Which limit a refusal's message names (graphql-armor's, the parser's token limit, operation-cost.ts). */
const LIMIT_MESSAGES: readonly (readonly [RegExp, string])[] = [
  [/Query depth limit of \d+ exceeded/, 'depth'],
  [/Aliases limit of \d+ exceeded/, 'aliases'],
  [/Directives limit of \d+ exceeded/, 'directives'],
  [/Query cost limit of \d+ exceeded/, 'cost'],
  [/Document contains more tha[nt] \d+ tokens/, 'tokens'],
];

export function useOperationLimits(limits: OperationLimits, metrics?: RouterMetrics): RouterFeature {
  const { plugins, validationRules } = new ApolloArmor({
    // Depth as the query really nests: a fragment spread adds no level of its own.
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, exposeLimits: true, flattenFragments: true },
    maxAliases: { n: limits.maxAliases, exposeLimits: true },
    // Tokens are counted by Apollo's own parser (parseOptions below): armor's counter throws where Apollo
    // answers 500, the parser's limit is a 400 GRAPHQL_PARSE_FAILED.
    maxTokens: { enabled: false },
    maxDirectives: { n: limits.maxDirectives, exposeLimits: true },
    // Cost with the variables applied (page sizes), per request: operation-cost.ts, below.
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: limits.blockFieldSuggestions },
  }).protect();
  return {
    name: 'operation limits',
    // graphql-armor's plugins read no context.
    plugins: [
      ...(plugins as ApolloServerPlugin<RouterContext>[]),
      {
        async requestDidStart() {
          return {
            async didEncounterErrors({ errors }) {
              for (const { message } of errors) {
                const limit = LIMIT_MESSAGES.find(([pattern]) => pattern.test(message))?.[1];
                if (limit) metrics?.operationLimitRefusals.inc({ limit });
              }
            },
            async didResolveOperation({ schema, document, operation, request, contextValue }) {
              // The router's own alert queries are the subscriber's selection, checked when it subscribed.
              if (!operation || contextValue.purpose === 'alert') return;
              const cost = operationCost(schema, document, operation, request.variables ?? {});
              if (cost > limits.maxCost) {
                throw new GraphQLError(`Query cost limit of ${limits.maxCost} exceeded, found ${cost}.`, {
                  extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
                });
              }
            },
          };
        },
      },
    ],
    validationRules,
    parseOptions: { maxTokens: limits.maxTokens },
  };
}
