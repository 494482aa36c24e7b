/**
 * Operation limits (graphql-armor): depth, aliases, tokens, directives and cost are checked before a query
 * is planned; field suggestions ("did you mean …?") are masked in production so the schema cannot be
 * mapped by trial and error.
 */
import { ApolloArmor } from '@escape.tech/graphql-armor';

export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
  blockFieldSuggestions: boolean;
}

export function operationLimits(limits: OperationLimits) {
  const { plugins, validationRules } = new ApolloArmor({
    // Depth as the query really nests: a fragment spread adds no level of its own.
    maxDepth: { n: limits.maxDepth, ignoreIntrospection: true, exposeLimits: true, flattenFragments: true },
    maxAliases: { n: limits.maxAliases, exposeLimits: true },
    // Tokens are counted by Apollo's own parser (parseOptions below): armor's counter throws where Apollo
    // answers 500, the parser's limit is a 400 GRAPHQL_PARSE_FAILED.
    maxTokens: { enabled: false },
    maxDirectives: { n: limits.maxDirectives, exposeLimits: true },
    costLimit: { maxCost: limits.maxCost, ignoreIntrospection: true, exposeLimits: true },
    blockFieldSuggestion: { enabled: limits.blockFieldSuggestions },
  }).protect();
  return { plugins, validationRules, parseOptions: { maxTokens: limits.maxTokens } };
}
