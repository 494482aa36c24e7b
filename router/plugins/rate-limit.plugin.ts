/**
 * Rate limits at the router with graphql-rate-limit's limiter, applied to every root field of an operation
 * (each alias counts) before anything is sent to a subgraph. The identity is the user, else the client IP;
 * `login` is limited per IP and username. A refusal is RATE_LIMITED with HTTP 429 and Retry-After.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { getArgumentValues, type GraphQLObjectType, type GraphQLResolveInfo } from 'graphql';
import { getFieldIdentity, getGraphQLRateLimiter } from 'graphql-rate-limit';
import { RateLimitedError, refusal, ServiceUnavailableError } from '../../lib/errors.ts';
import { rootFields } from '../operation-fields.ts';
import type { RateLimitStore } from '../rate-limit-store.ts';
import type { RouterContext } from '../router-context.ts';

export interface RateLimitRule {
  max: number;
  windowMs: number;
}

export interface RateLimitRules {
  /** `login`, per client IP and username. */
  login: RateLimitRule;
  /** Every other mutation field, per identity. */
  mutation: RateLimitRule;
  /** Every query (and subscription) field, per identity. */
  query: RateLimitRule;
}

export type RateLimitRuleName = keyof RateLimitRules;

export interface RateLimitOptions {
  rules: RateLimitRules;
  /** The counters of each rule (rate-limit-store.ts: a store keeps one rule's window and budget). */
  stores: Record<RateLimitRuleName, RateLimitStore>;
}

export function rateLimitPlugin({ rules, stores }: RateLimitOptions): ApolloServerPlugin<RouterContext> {
  const limiterOf = (name: RateLimitRuleName) =>
    getGraphQLRateLimiter({ store: stores[name], identifyContext: (identity: string) => identity });
  const limiters = { login: limiterOf('login'), mutation: limiterOf('mutation'), query: limiterOf('query') };

  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, schema, request, contextValue }) {
          // An alert resolved for subscribers was counted once, when they subscribed.
          if (contextValue.purpose === 'alert') return;
          const rootType = operation && schema.getRootType(operation.operation);
          if (!operation || !rootType) return;
          const identity = contextValue.viewer
            ? `user:${contextValue.viewer.userId}`
            : `ip:${contextValue.clientIp}`;
          for (const field of rootFields(document, operation)) {
            const name = field.name.value;
            const definition = (rootType as GraphQLObjectType).getFields()[name];
            if (!definition) continue; // __typename, introspection
            const isLogin = operation.operation === 'mutation' && name === 'login';
            const ruleName: RateLimitRuleName = isLogin
              ? 'login'
              : operation.operation === 'mutation'
                ? 'mutation'
                : 'query';
            const rule = rules[ruleName];
            const identityArgs = isLogin ? ['username'] : [];
            const args = getArgumentValues(definition, field, request.variables ?? {});
            // login matches usernames regardless of case and spaces, so its budget must too.
            if (isLogin && typeof args.username === 'string')
              args.username = args.username.trim().toLowerCase();
            const overLimit = await limiters[ruleName](
              // The limiter reads only the field name from `info`.
              { parent: undefined, args, context: identity, info: { fieldName: name } as GraphQLResolveInfo },
              { max: rule.max, window: `${rule.windowMs}ms`, identityArgs },
            ).catch((error: unknown) => {
              // Without its counters the router cannot tell abuse from use: refuse rather than run unlimited.
              contextValue.logger.error({ err: error }, 'rate-limit store unavailable');
              throw refusal(new ServiceUnavailableError('the rate-limit store'), 503);
            });
            if (overLimit !== undefined) {
              const fieldIdentity = getFieldIdentity(name, identityArgs, args);
              const calls = await stores[ruleName].recentCalls(
                { contextIdentity: identity, fieldIdentity },
                rule.windowMs,
              );
              // The next call is admitted once the calls beyond the budget have left the window.
              const admittedAt = (calls[Math.max(0, calls.length - rule.max)] ?? Date.now()) + rule.windowMs;
              const retryAfter = Math.max(1, Math.ceil((admittedAt - Date.now()) / 1000));
              throw refusal(new RateLimitedError(name, retryAfter), 429, {
                'retry-after': String(retryAfter),
              });
            }
          }
        },
      };
    },
  };
}
