/**
 * The processes the bench measures: each a child process of its own (as in production), its output in a
 * log file, its CPU time and memory read from /proc, stopped with SIGTERM (SIGKILL after a grace period).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inheritedEnv } from '../support/child-env.ts';
import { cpuMs, peakMemoryMb, resetPeakMemory, residentMemoryMb } from './proc-stats.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Service {
  name: string;
  pid: number;
  /** performance.now() when it was spawned (a CPU profile's time 0, near enough). */
  startedAt: number;
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Sends SIGTERM and waits (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<Service>();

export interface ServiceOptions {
  name: string;
  /** Arguments to Node: a script (from the repository root) and its arguments, after any Node flags. */
  args: string[];
  env: Record<string, string>;
  logDir: string;
  /** Open an IPC channel to it (a process of the bench's own that answers questions). */
  ipc?: boolean;
}

/** Starts `node <args>` with exactly `env` (plus what every service inherits), stdout and stderr to `<logDir>/<name>.log`. */
export function startService({ name, args, env, logDir, ipc = false }: ServiceOptions): Service {
  const log = openSync(join(logDir, `${name}.log`), 'a');
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...inheritedEnv(), ...env },
    stdio: ipc ? ['ignore', log, log, 'ipc'] : ['ignore', log, log],
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  const service: Service = {
    name,
    pid: child.pid,
    startedAt: performance.now(),
    child,
    exited,
    async stop(graceMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      running.delete(service);
    },
  };
  running.add(service);
  void exited.then(() => running.delete(service));
  return service;
}

/** Kills whatever is still running (a failed run's cleanup). */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((service) => service.stop(5_000)));
}

/** Polls `check` until it resolves true; fails when the service exits or after `timeoutMs`. */
export async function waitUntil(
  service: Service | undefined,
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (service && (service.child.exitCode !== null || service.child.signalCode !== null)) {
      throw new Error(`${service.name} exited before ${what} (see its log)`);
    }
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits for `GET <origin>/ready` (our services) to answer 200. */
export async function waitForReady(service: Service, url: string, timeoutMs?: number): Promise<void> {
  const ready = new URL('/ready', url);
  await waitUntil(
    service,
    `${service.name} ready`,
    async () => {
      const response = await fetch(ready, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      return response.ok;
    },
    timeoutMs,
  );
}

/** What a resource window reads of a process: its name and pid (a process tree from there). */
export type MeasuredProcess = Pick<Service, 'name' | 'pid'>;

/** CPU and memory of a set of processes over one measured interval. */
export class ResourceWindow {
  readonly #services: readonly MeasuredProcess[];
  readonly #cpuAtStart: Map<string, number>;
  readonly peakResettable: boolean;
  readonly #startedAt = performance.now();

  constructor(services: readonly MeasuredProcess[]) {
    this.#services = services;
    this.peakResettable = services.every((service) => resetPeakMemory(service.pid));
    this.#cpuAtStart = new Map(services.map((service) => [service.name, cpuMs(service.pid)]));
  }

  /** CPU ms each process used since the window opened, and its peak memory (MB) in it. */
  close(): ResourceUsage {
    const usage: ResourceUsage = { wallMs: performance.now() - this.#startedAt, processes: {} };
    for (const service of this.#services) {
      usage.processes[service.name] = {
        cpuMs: cpuMs(service.pid) - (this.#cpuAtStart.get(service.name) ?? 0),
        peakMemoryMb: peakMemoryMb(service.pid),
        residentMemoryMb: residentMemoryMb(service.pid),
      };
    }
    return usage;
  }
}

export interface ResourceUsage {
  wallMs: number;
  processes: Record<string, { cpuMs: number; peakMemoryMb: number; residentMemoryMb: number }>;
}
