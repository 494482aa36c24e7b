/**
 * Rate limits at the router with graphql-rate-limit's limiter, applied to every root field of an operation
 * (each alias counts) before anything is sent to a subgraph. A refusal is RATE_LIMITED with HTTP 429 and
 * Retry-After.
 *
 * Each limit is keyed on who acts and on whom, never on something a client can multiply:
 * - `login`: per client address across every username, per address and username, and per username across
 *   every address, whatever token is sent; an account under attack also makes unknown addresses back off
 *   (router/login-guard.ts);
 * - `register`: per client address, whatever token is sent;
 * - every other mutation, and every query, per user (else per client address).
 * A client address counts by its /64 for IPv6 (router/client-ip.ts); a username counts by a digest of its
 * normalised form, so no key holds what a client wrote, and each store of counters is bounded.
 */
import { createHash } from 'node:crypto';
import type { GraphQLRequestContextWillSendResponse } from '@apollo/server';
import { getArgumentValues, type FieldNode, type GraphQLObjectType, type GraphQLResolveInfo } from 'graphql';
import { getFieldIdentity, getGraphQLRateLimiter } from 'graphql-rate-limit';
import { ErrorCode, RateLimitedError, refusal, ServiceUnavailableError } from '../../lib/errors.ts';
import type { DependencyReport } from '../../lib/http-server.ts';
import type { Logger } from '../../lib/logger.ts';
import { addressKey } from '../client-ip.ts';
import { Failover } from '../failover.ts';
import {
  FailoverLoginGuardStore,
  LoginGuard,
  MemoryLoginGuardStore,
  RedisLoginGuardStore,
  type LoginBackoff,
} from '../login-guard.ts';
import { rootFields } from '../operation-fields.ts';
import {
  closeRedis,
  connectRateLimitRedis,
  FailoverRateLimitStore,
  MemoryRateLimitStore,
  RedisRateLimitStore,
  type RateLimitStore,
} from '../rate-limit-store.ts';
import type { RouterContext } from '../router-context.ts';
import type { RouterMetrics } from '../router-metrics.ts';
import type { RouterFeature } from '../router-feature.ts';

export interface RateLimitRule {
  max: number;
  windowMs: number;
}

export interface RateLimitRules {
  /** `login`, per client address and username (RATE_LIMIT_LOGIN). */
  login: RateLimitRule;
  /** `login`, per client address across every username (RATE_LIMIT_LOGIN_PER_ADDRESS). */
  loginPerAddress: RateLimitRule;
  /** `login`, per username across every address (RATE_LIMIT_LOGIN_PER_ACCOUNT). */
  loginPerAccount: RateLimitRule;
  /** `register`, per client address (RATE_LIMIT_REGISTRATIONS). */
  registration: RateLimitRule;
  /** Every other mutation field, per identity (RATE_LIMIT_MUTATIONS). */
  mutation: RateLimitRule;
  /** Every query (and subscription) field, per identity (RATE_LIMIT_QUERIES). */
  query: RateLimitRule;
}

export type RateLimitRuleName = keyof RateLimitRules;

export interface RateLimitOptions {
  rules: RateLimitRules;
  /** The back-off of an account under attack (LOGIN_BACKOFF_*). */
  loginBackoff: LoginBackoff;
  /** Identities (and accounts) each in-memory store remembers (RATE_LIMIT_MAX_IDENTITIES). */
  maxIdentities: number;
  /** Counters shared by every router replica in this Redis (REDIS_URL); in this process when unset. */
  redisUrl: string | undefined;
  /**
   * Router replicas sharing the Redis budgets (RATE_LIMIT_REPLICAS): while Redis cannot be reached, each
   * counts for itself against this share of every budget.
   */
  replicas: number;
  logger: Logger;
  /** Prefix of this router's Redis keys (REDIS_KEY_PREFIX). */
  redisKeyPrefix: string;
  /** How long a Redis command may take before the stores fail over to memory (REDIS_COMMAND_TIMEOUT_MS). */
  redisCommandTimeoutMs: number;
  /** Counts refusals by rule. */
  metrics?: RouterMetrics;
}

/** One rule applied to one root field: whose calls it counts, and which arguments tell calls apart. */
interface Check {
  rule: RateLimitRuleName;
  identity: string;
  identityArgs: string[];
}

/** A username as the limits count it: normalised as login matches it, then digested to a fixed size. */
export function usernameKey(username: unknown): string {
  const normalised = typeof username === 'string' ? username.trim().toLowerCase() : '';
  return createHash('sha256').update(normalised).digest('base64url').slice(0, 22);
}

const RULE_NAMES: readonly RateLimitRuleName[] = [
  'login',
  'loginPerAddress',
  'loginPerAccount',
  'registration',
  'mutation',
  'query',
];

/**
 * The rate limits, with one store of counters per rule (rate-limit-store.ts: a store keeps one rule's
 * window and budget), all in one Redis connection when REDIS_URL is set; it closes with the router.
 */
export function useRateLimits(options: RateLimitOptions): RouterFeature {
  const { rules, redisUrl, redisKeyPrefix, maxIdentities, replicas, logger, metrics } = options;
  /** One switch for every Redis-backed store: they stand and fall with Redis, and it is logged once. */
  const failover = new Failover((degraded, error) =>
    degraded
      ? logger.error(
          { err: error, replicas },
          `rate-limit store unreachable: each replica now counts for itself against 1/${replicas} of every budget`,
        )
      : logger.warn('rate-limit store answers again: budgets are shared again'),
  );
  /** A rule's budget now: its share per replica while the counters are each replica's own. */
  const budgetOf = ({ max }: RateLimitRule) =>
    redisUrl && failover.degraded ? Math.max(1, Math.floor(max / replicas)) : max;
  const redis = redisUrl ? connectRateLimitRedis(redisUrl, options.redisCommandTimeoutMs) : undefined;
  // Connection errors show as failover transitions, logged once each.
  redis?.on('error', () => undefined);
  const storeFor = (rule: RateLimitRule): RateLimitStore =>
    redis
      ? new FailoverRateLimitStore(
          new RedisRateLimitStore(redis, redisKeyPrefix, rule.windowMs, rule.max),
          new MemoryRateLimitStore(
            rule.windowMs,
            Math.max(1, Math.floor(rule.max / replicas)),
            maxIdentities,
          ),
          failover,
        )
      : new MemoryRateLimitStore(rule.windowMs, rule.max, maxIdentities);
  const stores = Object.fromEntries(RULE_NAMES.map((name) => [name, storeFor(rules[name])])) as Record<
    RateLimitRuleName,
    RateLimitStore
  >;
  const limiters = Object.fromEntries(
    RULE_NAMES.map((name) => [
      name,
      getGraphQLRateLimiter({ store: stores[name], identifyContext: (identity: string) => identity }),
    ]),
  ) as Record<RateLimitRuleName, ReturnType<typeof getGraphQLRateLimiter>>;
  const ownGuardStore = new MemoryLoginGuardStore(options.loginBackoff, maxIdentities);
  const guard = new LoginGuard(
    redis
      ? new FailoverLoginGuardStore(
          new RedisLoginGuardStore(redis, redisKeyPrefix, options.loginBackoff),
          ownGuardStore,
          failover,
        )
      : ownGuardStore,
    options.loginBackoff,
  );

  /** What the rules say of one call: nothing when admitted, else the refusal to throw. */
  async function refusalOf(
    check: Check,
    field: string,
    args: Record<string, unknown>,
    context: RouterContext,
  ) {
    const rule = rules[check.rule];
    const max = budgetOf(rule);
    const overLimit = await limiters[check.rule](
      // The limiter reads only the field name from `info`.
      { parent: undefined, args, context: check.identity, info: { fieldName: field } as GraphQLResolveInfo },
      { max, window: `${rule.windowMs}ms`, identityArgs: check.identityArgs },
    ).catch(storeUnavailable(context));
    if (overLimit === undefined) return undefined;
    const fieldIdentity = getFieldIdentity(field, check.identityArgs, args);
    const calls = await stores[check.rule].recentCalls(
      { contextIdentity: check.identity, fieldIdentity },
      rule.windowMs,
    );
    // The next call is admitted once the calls beyond the budget have left the window.
    const admittedAt = (calls[Math.max(0, calls.length - max)] ?? Date.now()) + rule.windowMs;
    return rateLimited(field, Math.max(1, Math.ceil((admittedAt - Date.now()) / 1000)));
  }

  return {
    name: 'rate limits',
    reportDependencies: async (): Promise<Record<string, DependencyReport>> => {
      if (!redis) return {};
      const answer = await redis.ping().then(
        () => ({ ok: true }),
        (error: unknown) => ({ ok: false, reason: (error as Error).message }),
      );
      const counting = failover.degraded
        ? { counting: `in each replica, 1/${replicas} of every budget` }
        : {};
      return { 'rate-limit store (Redis)': { ...answer, ...counting } };
    },
    close: async () => {
      if (redis) await closeRedis(redis);
    },
    plugins: [
      {
        async requestDidStart() {
          /** The logins this request tries, by response key: their outcome feeds the back-off. */
          const logins = new Map<string, { account: string; address: string }>();
          return {
            async didResolveOperation({ document, operation, schema, request, contextValue }) {
              // An alert resolved for subscribers was counted once, when they subscribed.
              if (contextValue.purpose === 'alert') return;
              const rootType = operation && schema.getRootType(operation.operation);
              if (!operation || !rootType) return;
              const address = `ip:${addressKey(contextValue.clientIp)}`;
              const caller = contextValue.viewer ? `user:${contextValue.viewer.userId}` : address;
              for (const field of rootFields(document, operation)) {
                const name = field.name.value;
                const definition = (rootType as GraphQLObjectType).getFields()[name];
                if (!definition) continue; // __typename, introspection
                const args = getArgumentValues(definition, field, request.variables ?? {});
                const mutation = operation.operation === 'mutation';
                let checks = checksFor(mutation ? name : undefined, caller, address);
                if (mutation && name === 'login') {
                  args.username = usernameKey(args.username);
                  // The owner on an address they logged in from is exempt from the budget across every
                  // address, which guesses from elsewhere could otherwise keep spent to lock them out.
                  const owner = await guard
                    .isKnownAddress(String(args.username), address)
                    .catch(storeUnavailable(contextValue));
                  if (owner) checks = checks.filter((check) => check.rule !== 'loginPerAccount');
                }
                for (const check of checks) {
                  const refused = await refusalOf(check, name, args, contextValue);
                  if (refused) {
                    metrics?.rateLimitRefusals.inc({ rule: check.rule });
                    throw refused;
                  }
                }
                if (mutation && name === 'login') {
                  const account = String(args.username);
                  const wait = await guard
                    .waitSeconds(account, address)
                    .catch(storeUnavailable(contextValue));
                  if (wait > 0) {
                    metrics?.rateLimitRefusals.inc({ rule: 'loginBackoff' });
                    throw rateLimited(name, wait);
                  }
                  logins.set(responseKey(field), { account, address });
                }
              }
            },
            async willSendResponse(requestContext) {
              if (logins.size > 0) await recordLogins(requestContext, logins, guard);
            },
          };
        },
      },
    ],
  };
}

/** The rules a root field passes, in order: a refusal stops the rest from counting the call. */
function checksFor(mutation: string | undefined, caller: string, address: string): Check[] {
  if (mutation === 'login') {
    return [
      { rule: 'loginPerAddress', identity: address, identityArgs: [] },
      { rule: 'login', identity: address, identityArgs: ['username'] },
      { rule: 'loginPerAccount', identity: 'any-address', identityArgs: ['username'] },
    ];
  }
  if (mutation === 'register') return [{ rule: 'registration', identity: address, identityArgs: [] }];
  return [{ rule: mutation === undefined ? 'query' : 'mutation', identity: caller, identityArgs: [] }];
}

function rateLimited(field: string, retryAfter: number) {
  return refusal(new RateLimitedError(field, retryAfter), 429, { 'retry-after': String(retryAfter) });
}

function storeUnavailable(context: RouterContext) {
  return (error: unknown): never => {
    context.logger.error({ err: error }, 'rate-limit store unavailable');
    throw refusal(new ServiceUnavailableError('the rate-limit store'), 503);
  };
}

function responseKey(field: FieldNode): string {
  return field.alias?.value ?? field.name.value;
}

/** A login answered with a token counts as the account's success; one refused as a bad password, a failure. */
async function recordLogins(
  { response, contextValue }: GraphQLRequestContextWillSendResponse<RouterContext>,
  logins: ReadonlyMap<string, { account: string; address: string }>,
  guard: LoginGuard,
): Promise<void> {
  if (response.body.kind !== 'single') return;
  const { data, errors } = response.body.singleResult;
  for (const [key, { account, address }] of logins) {
    const failed = errors?.some(
      (error) => error.path?.[0] === key && error.extensions?.code === ErrorCode.UNAUTHENTICATED,
    );
    const outcome = failed
      ? guard.recordFailure(account)
      : data?.[key]
        ? guard.recordSuccess(account, address)
        : undefined;
    await outcome?.catch((error: unknown) =>
      contextValue.logger.error({ err: error }, 'login outcome not recorded: rate-limit store unavailable'),
    );
  }
}
