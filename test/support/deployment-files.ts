/**
 * The deployment files as the deployment tests read them: untyped YAML walked safely, docker-compose.yml's
 * services and their environments, and what the Dockerfile's runtime stage copies minus .dockerignore.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { SUBGRAPH_NAMES, type SubgraphName } from '../../subgraphs/registry.ts';
import { REPO_ROOT } from './processes.ts';

export type Json = Record<string, unknown>;
export type ServiceName = 'router' | SubgraphName;
export const SERVICES: readonly ServiceName[] = ['router', ...SUBGRAPH_NAMES];

export function obj(value: unknown): Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : {};
}
export function list(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(obj) : [];
}
export function at(value: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>((current, key) => obj(current)[key], value);
}
export function text(value: unknown): string {
  return typeof value === 'string' ? value : String(value ?? '');
}
export function nameOf(object: Json): string {
  return text(at(object, 'metadata', 'name'));
}

const compose = obj(parseYaml(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }));
export const composeServices = obj(compose.services);

/** A compose service's `environment`. */
export function composeEnv(service: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries(obj(at(composeServices, service, 'environment'))).map(([key, value]) => [
      key,
      text(value),
    ]),
  );
}

export const DOCKERFILE = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const DOCKERIGNORE = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

/** Whether .dockerignore keeps `path` (relative, with slashes) out of the build context. */
export function dockerIgnored(path: string): boolean {
  const segments = path.split('/');
  const candidates = segments.map((_, index) => segments.slice(0, index + 1).join('/'));
  return DOCKERIGNORE.some((pattern) => {
    const regex = new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\//g, '\u0000')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')
        .replaceAll('\u0000', '(?:.*/)?')}$`,
    );
    return candidates.some((candidate) => regex.test(candidate));
  });
}

/** The sources the runtime stage copies (COPY without --from), as repository paths. */
export function runtimeCopies(): string[] {
  const runtime = DOCKERFILE.slice(DOCKERFILE.indexOf(' AS runtime'));
  return [...runtime.matchAll(/^COPY\s+(.+)$/gm)]
    .map((match) => match[1] ?? '')
    .filter((args) => !args.includes('--from='))
    .map((args) => args.split(/\s+/).filter((word) => !word.startsWith('--')))
    .flatMap((words) => words.slice(0, -1));
}
