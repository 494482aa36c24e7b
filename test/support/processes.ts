/**
 * Services as real child processes: spawn a script with Node (the Node running the tests), collect its
 * output, wait for a line or an HTTP status, and make sure nothing outlives the test file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inheritedEnv } from '../../scripts/support/child-env.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServiceProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited (it never rejects). */
  exited: Promise<Exit>;
  /** Resolves with the first match of `pattern` in stdout, or rejects after `timeoutMs` or on exit. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Waits up to `timeoutMs` for the process to exit by itself; rejects (after a SIGKILL) when it does not. */
  waitForExit(timeoutMs: number): Promise<Exit>;
  /** Sends `signal` and waits up to `timeoutMs` for the exit; rejects (after a SIGKILL) when it hangs. */
  stop(signal: NodeJS.Signals, timeoutMs: number): Promise<Exit & { elapsedMs: number }>;
  /** SIGKILL if still running; for afterAll. */
  kill(): Promise<void>;
}

const running = new Set<ServiceProcess>();

/**
 * Database connections per service in tests (its own pool and its Postgres bus's): two test files run at once, each with whole stacks (several
 * processes), on a server that allows 100 connections. A connection may take longer than production's 3 s to
 * open while other files create their databases and load both cores.
 */
export const TEST_POOLS = { DB_POOL_MAX: '4', EVENT_BUS_POOL_MAX: '3', DB_CONNECT_TIMEOUT_MS: '10000' };

/**
 * Runs `node <script>` from the repository root with exactly `env` (plus what every service inherits and
 * the tests' pool sizes), so a variable set for the test run (DATABASE_URL, …) never leaks into a service
 * by accident.
 */
export function spawnService(script: string, env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, [script], {
    cwd: REPO_ROOT,
    env: { ...inheritedEnv(), ...TEST_POOLS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<Exit>((resolve) => {
    // 'close', not 'exit': by then stdout and stderr have been read to the end.
    child.once('close', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    running.delete(service);
    for (const listener of listeners) listener();
  });

  const service: ServiceProcess = {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForOutput(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${pattern} in ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`));
        }, timeoutMs);
        function check() {
          const match = stdout.match(pattern);
          if (match || hasExited) {
            clearTimeout(timer);
            listeners.delete(check);
            if (match) resolve(match);
            else {
              void exited.then(({ code, signal }) =>
                reject(
                  new Error(
                    `exited (code ${code}, signal ${signal}) before ${pattern}; stdout:\n${stdout}\nstderr:\n${stderr}`,
                  ),
                ),
              );
            }
          }
        }
        listeners.add(check);
        check();
      });
    },
    async waitForExit(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<'hung'>((resolve) => {
        timer = setTimeout(() => resolve('hung'), timeoutMs);
      });
      const result = await Promise.race([exited, hung]);
      clearTimeout(timer);
      if (result === 'hung') {
        child.kill('SIGKILL');
        await exited;
        throw new Error(`did not exit within ${timeoutMs} ms; stdout:\n${stdout}\nstderr:\n${stderr}`);
      }
      return result;
    },
    async stop(signal, timeoutMs) {
      const started = performance.now();
      child.kill(signal);
      const result = await service.waitForExit(timeoutMs);
      return { ...result, elapsedMs: performance.now() - started };
    },
    async kill() {
      if (hasExited) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  running.add(service);
  return service;
}

/** Kills every service this file spawned that is still running (call it in afterAll). */
export async function killAllServices(): Promise<void> {
  await Promise.all([...running].map((service) => service.kill()));
}

/** Polls `url` until it answers `status`, or throws after `timeoutMs` with the last answer. */
export async function waitForStatus(url: string, status: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = 'no answer';
  while (performance.now() < deadline) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      last = `HTTP ${response.status} ${await response.text()}`;
      if (response.status === status) return;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${last})`);
}

/** The JSON objects among `output`'s lines (pino writes one per line); other lines are skipped. */
export function jsonLines(output: string): Record<string, unknown>[] {
  return output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}
