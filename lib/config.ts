import { readMetricsSettings, type MetricsConfig } from './metrics.ts';

/**
 * Configuration from environment variables, validated once at start-up.
 *
 * Every service builds its config with `readConfig(env, read => ({ ... }))`. The reader collects every
 * problem instead of stopping at the first, so an operator sees all missing or malformed variables in one
 * message.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface EnvReader {
  /** A required string; `fallback` makes it optional. */
  string(name: string, fallback?: string): string;
  optionalString(name: string): string | undefined;
  int(name: string, fallback: number, range?: { min?: number; max?: number }): number;
  boolean(name: string, fallback: boolean): boolean;
  /** A URL whose protocol is one of `protocols` (e.g. `['http:', 'https:']`). */
  url(name: string, protocols: readonly string[], fallback?: string): string;
  optionalUrl(name: string, protocols: readonly string[]): string | undefined;
  oneOf<T extends string>(name: string, values: readonly T[], fallback: T): T;
  /** Records a problem found by a check of several values. */
  problem(message: string): void;
}

export function readConfig<T>(env: Env, build: (read: EnvReader) => T): T {
  const problems: string[] = [];
  const raw = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };

  const read: EnvReader = {
    string(name, fallback) {
      const value = raw(name) ?? fallback;
      if (value === undefined) {
        problems.push(`${name} is required`);
        return '';
      }
      return value;
    },
    optionalString: raw,
    int(name, fallback, range = {}) {
      const value = raw(name);
      if (value === undefined) return fallback;
      const parsed = Number(value);
      const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = range;
      if (!/^-?\d+$/.test(value) || parsed < min || parsed > max) {
        problems.push(`${name} must be an integer between ${min} and ${max}, got "${value}"`);
        return fallback;
      }
      return parsed;
    },
    boolean(name, fallback) {
      const value = raw(name)?.toLowerCase();
      if (value === undefined) return fallback;
      if (['1', 'true', 'yes'].includes(value)) return true;
      if (['0', 'false', 'no'].includes(value)) return false;
      problems.push(`${name} must be true or false, got "${value}"`);
      return fallback;
    },
    url(name, protocols, fallback) {
      const value = read.optionalUrl(name, protocols) ?? fallback;
      if (value === undefined && raw(name) === undefined) problems.push(`${name} is required`);
      return value ?? '';
    },
    optionalUrl(name, protocols) {
      const value = raw(name);
      if (value === undefined) return undefined;
      if (!URL.canParse(value) || !protocols.includes(new URL(value).protocol)) {
        problems.push(`${name} must be a ${protocols.join(' or ')} URL, got "${redactUrl(value)}"`);
        return undefined;
      }
      return value;
    },
    oneOf(name, values, fallback) {
      const value = raw(name) ?? fallback;
      if (!(values as readonly string[]).includes(value)) {
        problems.push(`${name} must be one of ${values.join(', ')}, got "${value}"`);
        return fallback;
      }
      return value as (typeof values)[number];
    },
    problem(message) {
      problems.push(message);
    },
  };

  const config = build(read);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Hides the password of a connection URL so it can be printed. */
export function redactUrl(value: string): string {
  if (!URL.canParse(value)) return value.replace(/\/\/[^@/]*@/, '//***@');
  const url = new URL(value);
  if (url.password) url.password = '***';
  return url.toString();
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** What every service (router or subgraph) reads. */
export interface ServiceConfig {
  host: string;
  port: number;
  production: boolean;
  logLevel: LogLevel;
  /** `json` (LOG_FORMAT, the default) or `pretty` for a terminal. */
  logFormat: LogFormat;
  /** How long a graceful shutdown waits for in-flight requests before closing connections. */
  shutdownTimeoutMs: number;
  /** Where /metrics listens and how many operation names it keeps. */
  metrics: MetricsConfig;
  /** On Google Cloud (GOOGLE_CLOUD_PROJECT): log lines carry Cloud Logging's trace fields. */
  googleCloudProject: string | undefined;
}

export function readServiceConfig(read: EnvReader, defaultPort: number): ServiceConfig {
  return {
    host: read.string('HOST', '0.0.0.0'),
    port: read.int('PORT', defaultPort, { min: 0, max: 65535 }),
    production: read.oneOf('NODE_ENV', ['development', 'test', 'production'], 'development') === 'production',
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    logFormat: read.oneOf('LOG_FORMAT', LOG_FORMATS, 'json'),
    shutdownTimeoutMs: read.int('SHUTDOWN_TIMEOUT_MS', 10_000, { min: 0, max: 600_000 }),
    metrics: readMetricsSettings(read),
    googleCloudProject: read.optionalString('GOOGLE_CLOUD_PROJECT'),
  };
}

/** Reads a config at start-up; a bad one ends the process with the list of problems and no stack trace. */
export function exitOnConfigError<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
}

/**
 * Whether to load the demo data (public accounts and passwords): only when asked (`DEMO_DATA`, `fallback`
 * when unset), and never in production unless ALLOW_DEMO_DATA_IN_PRODUCTION=true says it is meant.
 */
export function readDemoData(read: EnvReader, fallback: boolean): boolean {
  const demoData = read.boolean('DEMO_DATA', fallback);
  const production =
    read.oneOf('NODE_ENV', ['development', 'test', 'production'], 'development') === 'production';
  if (demoData && production && !read.boolean('ALLOW_DEMO_DATA_IN_PRODUCTION', false)) {
    read.problem(
      'DEMO_DATA=true in production would create accounts whose passwords are public: set ALLOW_DEMO_DATA_IN_PRODUCTION=true if that is meant',
    );
  }
  return demoData;
}
