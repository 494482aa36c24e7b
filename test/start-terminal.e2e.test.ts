/**
 * `npm start` at a terminal, on embedded Postgres: run under a real pseudo-terminal (`script`), its logs
 * are pretty and quiet, and a Ctrl-C typed at the terminal (the terminal sends SIGINT to the whole
 * foreground process group) drains the services and stops the embedded database last: exit 0, nothing
 * logged as failed, no Postgres left running. LOG_FORMAT=json asks for JSON lines even at a terminal.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../scripts/support/ports.ts';
import { REPO_ROOT } from './support/processes.ts';
import { READY_LINE } from './support/whole-supergraph.ts';

const CTRL_C = '\x03';

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pharmacy-terminal-'));
  // As root, the embedded server runs as the postgres user, who must reach its data folder inside this one.
  await chmod(dataDir, 0o755);
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Runs `npm start`'s script at a terminal until it is ready, types Ctrl-C, and returns what it printed. */
async function startAndInterrupt(
  env: Record<string, string>,
): Promise<{ exitCode: number | null; output: string }> {
  const child = spawn('script', ['-qefc', `exec ${process.execPath} scripts/start.ts`, '/dev/null'], {
    cwd: REPO_ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      TERM: 'dumb',
      EMBEDDED_PG_DIR: join(dataDir, 'postgres'),
      EMBEDDED_PG_PORT: String(await freePort()),
      // Port 0 for every server: a port picked in advance can be taken meanwhile by another test file.
      PORT: '0',
      USERS_PORT: '0',
      PRODUCTS_PORT: '0',
      ORDERS_PORT: '0',
      INVENTORY_PORT: '0',
      JWT_KEYS_FILE: join(dataDir, 'jwt-keys.json'),
      DEMO_DATA: 'false',
      ...env,
    },
  });
  let output = '';
  let interrupted = false;
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    if (!interrupted && READY_LINE.test(output)) {
      interrupted = true;
      child.stdin.write(CTRL_C);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const exitCode = await exited;
  clearTimeout(timer);
  return { exitCode, output };
}

describe('npm start at a terminal', () => {
  it('prints pretty, quiet logs, and on Ctrl-C drains the services, then stops the embedded Postgres', async () => {
    const { exitCode, output } = await startAndInterrupt({});
    expect(output).toMatch(READY_LINE);
    // Pretty lines ("[12:00:00] INFO: stack …"), no JSON, and the services' info lines left out.
    expect(output).toMatch(/INFO: stack no DATABASE_URL or PGHOST: starting embedded Postgres/);
    expect(output).toMatch(/INFO: stack shutting down/);
    expect(output).not.toMatch(/^\{"level"/m);
    expect(output).not.toMatch(/subgraph listening/);
    expect(output).not.toMatch(/ERROR|shutdown failed|terminating connection/);
    expect(exitCode).toBe(0);
    // The server stopped cleanly: its lock file is gone.
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  }, 120_000);

  it('writes JSON lines with LOG_FORMAT=json, at info unless LOG_LEVEL says otherwise', async () => {
    const { exitCode, output } = await startAndInterrupt({ LOG_FORMAT: 'json' });
    // The terminal echoes the typed Ctrl-C ("^C") in front of whatever is printed next.
    const lines = output.split(/\r?\n/).flatMap((line) => {
      const start = line.indexOf('{"level"');
      return start === -1 ? [] : [line.slice(start)];
    });
    const messages = lines.map((line) => (JSON.parse(line) as { message: string }).message);
    const expected = ['users subgraph listening', 'router listening', 'shutting down'];
    if (!expected.every((message) => messages.includes(message))) {
      throw new Error(
        `expected ${expected.join(', ')} among the messages; exit ${exitCode}; output:\n${output}`,
      );
    }
    expect(exitCode).toBe(0);
  }, 120_000);
});
