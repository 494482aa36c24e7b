import { existsSync } from 'node:fs';
import {
  readConfig,
  readServiceConfig,
  type Env,
  type EnvReader,
  type ServiceConfig,
} from '../lib/config.ts';
import { readEventBusConfig, type EventBusConfig } from '../lib/event-bus/bus-config.ts';
import { readRouterSecret } from '../lib/router-proof.ts';
import { checkUrlPassword } from '../lib/secrets.ts';
import { SESSION_STATUS_PATH } from '../subgraphs/contracts/session-status.ts';
import { ROUTER_DEFAULT_PORT, SUBGRAPHS, SUBGRAPH_NAMES, type SubgraphName } from '../subgraphs/registry.ts';
import type { TokenVerification } from './token-verifier.ts';
import type { OperationLimits } from './features/operation-limits.feature.ts';
import { TRUSTED_DOCUMENTS_MODES, type TrustedDocumentsMode } from './features/trusted-documents.feature.ts';
import type { RateLimitRule, RateLimitRules } from './features/rate-limits.feature.ts';
import type { BreakerSettings } from './circuit-breaker.ts';
import type { LoginBackoff } from './login-guard.ts';
import type { SubscriptionSettings } from './subscriptions/subscription-server.ts';

export interface RouterConfig extends ServiceConfig {
  /** The composed supergraph (committed at schema/supergraph.graphql). */
  supergraphPath: string;
  /** Where each subgraph listens, overriding the URL composed into the supergraph (`PRODUCTS_URL`, …). */
  subgraphUrls: Partial<Record<SubgraphName, string>>;
  /** A subgraph that has not answered in this time fails the request instead of holding it. */
  subgraphTimeoutMs: number;
  /** When a subgraph counts as down and calls to it fail at once (router/circuit-breaker.ts). */
  subgraphBreaker: BreakerSettings;
  maxBodyBytes: number;
  /** Operations per HTTP request; 1 turns batching off. */
  maxBatchSize: number;
  /**
   * In-flight deduplication, never of mutations and never across viewers: `requests`, an identical query
   * (document, variables, operation name) from the same viewer while one is executing shares its response
   * (not with batching on); `subgraphFetches`, an identical subgraph fetch in flight shares its answer.
   */
  deduplication: { requests: boolean; subgraphFetches: boolean };
  /**
   * Whether @apollo/gateway may send Apollo its hourly usage report (`APOLLO_TELEMETRY_DISABLED=false`;
   * off by default: router/gateway.ts).
   */
  apolloUsageReport: boolean;
  /** Signs every subgraph request (shared with the subgraphs). */
  routerSecret: string;
  tokens: TokenVerification;
  /** How the router checks sessions with the users service (router/session-checker.ts). */
  sessions: { statusUrl: string; checkIntervalMs: number; maxStaleMs: number; maxSessions: number };
  rateLimits: RateLimitRules;
  /** How an account under attack makes unknown addresses back off (router/login-guard.ts). */
  loginBackoff: LoginBackoff;
  /** Identities each in-memory rate-limit store remembers, the least recently seen forgotten first. */
  rateLimitMaxIdentities: number;
  /** Router replicas sharing the Redis budgets: each one's share while Redis cannot be reached. */
  rateLimitReplicas: number;
  /** Shared rate-limit counters for several router replicas; in memory when unset. */
  redisUrl: string | undefined;
  redisKeyPrefix: string;
  /** A Redis command slower than this counts as Redis unreachable (the stores fail over to memory). */
  redisCommandTimeoutMs: number;
  /** Proxies in front of the router whose X-Forwarded-For entries are trusted (0: use the socket address). */
  trustedProxyHops: number;
  operationLimits: OperationLimits;
  /** The bus that carries low-stock alerts to the router's subscribers. */
  eventBus: EventBusConfig;
  subscriptions: SubscriptionSettings;
  /** Which operations run (router/features/trusted-documents.feature.ts). */
  trustedDocuments: {
    mode: TrustedDocumentsMode;
    manifest: string;
    reloadMs: number;
    staffBypass: boolean;
  };
}

/** The longest a role change or an ended session may take to reach every request and subscription. */
const MAX_SESSION_EFFECT_MS = 60_000;

export const DEFAULT_SUPERGRAPH_PATH = new URL('../schema/supergraph.graphql', import.meta.url).pathname;
/** The manifest `npm run codegen` writes for the operations of schema/operations/. */
export const DEFAULT_TRUSTED_DOCUMENTS_MANIFEST = new URL(
  '../sdk/__generated__/typed/persisted-documents.json',
  import.meta.url,
).pathname;

/** `RATE_LIMIT_LOGIN=5/60`: at most 5 calls in 60 seconds. */
function rateLimitRule(read: EnvReader, name: string, fallback: `${number}/${number}`): RateLimitRule {
  const parse = (text: string) => /^([1-9]\d*)\/([1-9]\d*)$/.exec(text);
  const value = read.string(name, fallback);
  let match = parse(value);
  if (!match) {
    read.problem(`${name} must be "<calls>/<seconds>" such as "${fallback}", got "${value}"`);
    match = parse(fallback);
  }
  return { max: Number(match?.[1]), windowMs: Number(match?.[2]) * 1000 };
}

export function readRouterConfig(env: Env): RouterConfig {
  return readConfig(env, (read) => {
    const service = readServiceConfig(read, ROUTER_DEFAULT_PORT);
    const { production } = service;
    const redisUrl = read.optionalUrl('REDIS_URL', ['redis:', 'rediss:']);
    checkUrlPassword(read, 'REDIS_URL', redisUrl, production);
    const subgraphUrls: Partial<Record<SubgraphName, string>> = Object.fromEntries(
      SUBGRAPH_NAMES.flatMap((name) => {
        const url = read.optionalUrl(`${name.toUpperCase()}_URL`, ['http:', 'https:']);
        return url === undefined ? [] : [[name, url]];
      }),
    );
    const usersUrl = subgraphUrls.users ?? SUBGRAPHS.users.defaultUrl;
    const sessionCheckIntervalMs = read.int('SESSION_CHECK_INTERVAL_MS', 30_000, { min: 100, max: 60_000 });
    const subscriptionRecheckMs = read.int('SUBSCRIPTION_RECHECK_MS', 15_000, { min: 100, max: 30_000 });
    // A role change or an ended session reaches an open subscription within both together.
    if (sessionCheckIntervalMs + subscriptionRecheckMs > MAX_SESSION_EFFECT_MS) {
      read.problem(
        `SESSION_CHECK_INTERVAL_MS + SUBSCRIPTION_RECHECK_MS must be at most ${MAX_SESSION_EFFECT_MS} ms ` +
          `(a role change takes effect everywhere within it), got ${sessionCheckIntervalMs + subscriptionRecheckMs}`,
      );
    }
    // Production runs only the clients' operations; development lets Apollo Sandbox send its own.
    const trustedDocumentsMode = read.oneOf<TrustedDocumentsMode>(
      'TRUSTED_DOCUMENTS',
      TRUSTED_DOCUMENTS_MODES,
      production ? 'enforce' : 'allow',
    );
    const manifest = read.string('TRUSTED_DOCUMENTS_MANIFEST', DEFAULT_TRUSTED_DOCUMENTS_MANIFEST);
    if (trustedDocumentsMode !== 'off' && !/^https?:\/\//.test(manifest) && !existsSync(manifest)) {
      read.problem(
        `TRUSTED_DOCUMENTS_MANIFEST must be a file path or an http(s) URL of the manifest \`npm run codegen\` writes, ` +
          `and ${manifest} does not exist (or set TRUSTED_DOCUMENTS=off)`,
      );
    }
    return {
      ...service,
      supergraphPath: read.string('SUPERGRAPH_PATH', DEFAULT_SUPERGRAPH_PATH),
      subgraphUrls,
      subgraphTimeoutMs: read.int('SUBGRAPH_TIMEOUT_MS', 10_000, { min: 100, max: 300_000 }),
      subgraphBreaker: {
        failuresToOpen: read.int('SUBGRAPH_BREAKER_FAILURES', 5, { min: 1, max: 1_000 }),
        openMs: read.int('SUBGRAPH_BREAKER_OPEN_MS', 2_000, { min: 100, max: 600_000 }),
        maxOpenMs: read.int('SUBGRAPH_BREAKER_MAX_OPEN_MS', 30_000, { min: 100, max: 3_600_000 }),
      },
      maxBodyBytes: read.int('MAX_BODY_BYTES', 100_000, { min: 1_000 }),
      maxBatchSize: read.int('MAX_BATCH_SIZE', 1, { min: 1, max: 100 }),
      deduplication: {
        requests: read.boolean('DEDUPLICATE_REQUESTS', true),
        subgraphFetches: read.boolean('DEDUPLICATE_SUBGRAPH_FETCHES', true),
      },
      apolloUsageReport: !read.boolean('APOLLO_TELEMETRY_DISABLED', true),
      routerSecret: readRouterSecret(read, service.production),
      tokens: {
        jwksUrl: read.url(
          'JWKS_URL',
          ['http:', 'https:'],
          new URL('/.well-known/jwks.json', usersUrl).toString(),
        ),
        issuer: read.string('JWT_ISSUER', 'pharmacy-users'),
        audience: read.string('JWT_AUDIENCE', 'pharmacy-api'),
        clockToleranceSeconds: read.int('JWT_CLOCK_TOLERANCE_SECONDS', 30, { min: 0, max: 300 }),
        jwksCooldownMs: read.int('JWKS_COOLDOWN_MS', 30_000, { min: 0, max: 3_600_000 }),
        jwksRefreshMs: read.int('JWKS_REFRESH_MS', 30_000, { min: 100, max: 60_000 }),
        jwksMaxStaleMs: read.int('JWKS_MAX_STALE_MS', 600_000, { min: 0, max: 86_400_000 }),
        maxTokenAgeSeconds: read.int('ACCESS_TOKEN_MAX_AGE_SECONDS', 600, { min: 60, max: 86_400 }),
      },
      // Strict in production; in development generous enough for demos and end-to-end suites that register
      // and log in a few dozen users a minute from one address.
      sessions: {
        statusUrl: read.url(
          'SESSION_STATUS_URL',
          ['http:', 'https:'],
          new URL(SESSION_STATUS_PATH, usersUrl).toString(),
        ),
        // At most a minute: a role change or an ended session takes effect within it.
        checkIntervalMs: sessionCheckIntervalMs,
        maxStaleMs: read.int('SESSION_STATUS_MAX_STALE_MS', 600_000, { min: 0, max: 86_400_000 }),
        maxSessions: read.int('SESSION_CACHE_SIZE', 100_000, { min: 100, max: 10_000_000 }),
      },
      rateLimits: {
        login: rateLimitRule(read, 'RATE_LIMIT_LOGIN', '5/60'),
        loginPerAddress: rateLimitRule(read, 'RATE_LIMIT_LOGIN_PER_ADDRESS', production ? '20/60' : '300/60'),
        loginPerAccount: rateLimitRule(read, 'RATE_LIMIT_LOGIN_PER_ACCOUNT', production ? '10/60' : '100/60'),
        registration: rateLimitRule(read, 'RATE_LIMIT_REGISTRATIONS', production ? '5/3600' : '100/60'),
        mutation: rateLimitRule(read, 'RATE_LIMIT_MUTATIONS', '60/60'),
        query: rateLimitRule(read, 'RATE_LIMIT_QUERIES', '600/60'),
      },
      loginBackoff: {
        afterFailures: read.int('LOGIN_BACKOFF_AFTER_FAILURES', 5, { min: 1, max: 1_000 }),
        baseMs: read.int('LOGIN_BACKOFF_BASE_SECONDS', 30, { min: 1, max: 3_600 }) * 1000,
        maxMs: read.int('LOGIN_BACKOFF_MAX_SECONDS', 900, { min: 1, max: 86_400 }) * 1000,
        failureMemoryMs: read.int('LOGIN_FAILURE_MEMORY_SECONDS', 3_600, { min: 60, max: 604_800 }) * 1000,
        knownAddressMs: read.int('LOGIN_KNOWN_ADDRESS_DAYS', 30, { min: 1, max: 365 }) * 86_400_000,
      },
      rateLimitReplicas: read.int('RATE_LIMIT_REPLICAS', 1, { min: 1, max: 1_000 }),
      rateLimitMaxIdentities: read.int('RATE_LIMIT_MAX_IDENTITIES', 100_000, { min: 100, max: 10_000_000 }),
      redisUrl,
      redisKeyPrefix: read.string('REDIS_KEY_PREFIX', 'pharmacy:rate-limit:'),
      redisCommandTimeoutMs: read.int('REDIS_COMMAND_TIMEOUT_MS', 500, { min: 50, max: 10_000 }),
      trustedProxyHops: read.int('TRUSTED_PROXY_HOPS', 0, { min: 0, max: 10 }),
      operationLimits: {
        maxDepth: read.int('MAX_DEPTH', 6, { min: 1, max: 100 }),
        maxAliases: read.int('MAX_ALIASES', 15, { min: 0, max: 1_000 }),
        maxTokens: read.int('MAX_TOKENS', 1_000, { min: 10, max: 100_000 }),
        maxDirectives: read.int('MAX_DIRECTIVES', 50, { min: 0, max: 1_000 }),
        maxCost: read.int('MAX_COST', 5_000, { min: 1, max: 10_000_000 }),
        blockFieldSuggestions: service.production,
      },
      eventBus: readEventBusConfig(read, production),
      subscriptions: {
        maxConnections: read.int('SUBSCRIPTION_MAX_CONNECTIONS', 10_000, { min: 1, max: 1_000_000 }),
        maxConnectionsPerAddress: read.int('SUBSCRIPTION_MAX_CONNECTIONS_PER_ADDRESS', 100, {
          min: 1,
          max: 1_000_000,
        }),
        maxConnectionsPerUser: read.int('SUBSCRIPTION_MAX_CONNECTIONS_PER_USER', 10, {
          min: 1,
          max: 1_000_000,
        }),
        maxSubscriptionsPerConnection: read.int('SUBSCRIPTION_MAX_PER_CONNECTION', 20, {
          min: 1,
          max: 10_000,
        }),
        keepAliveMs: read.int('SUBSCRIPTION_KEEPALIVE_MS', 12_000, { min: 1_000, max: 300_000 }),
        recheckMs: subscriptionRecheckMs,
        maxPending: read.int('SUBSCRIPTION_MAX_PENDING', 100, { min: 1, max: 100_000 }),
        maxBufferedBytes: read.int('SUBSCRIPTION_MAX_BUFFERED_BYTES', 1_000_000, { min: 1_000 }),
        maxMessageBytes: read.int('SUBSCRIPTION_MAX_MESSAGE_BYTES', 100_000, { min: 1_000 }),
      },
      trustedDocuments: {
        mode: trustedDocumentsMode,
        manifest,
        reloadMs: read.int('TRUSTED_DOCUMENTS_RELOAD_MS', 60_000, { min: 0, max: 86_400_000 }),
        staffBypass: read.boolean('TRUSTED_DOCUMENTS_STAFF_BYPASS', false),
      },
    };
  });
}
