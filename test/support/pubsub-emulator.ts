/**
 * The real Pub/Sub emulator for a test file: `gcloud beta emulators pubsub start` on a free port with a
 * project of its own, started in beforeAll and killed (its whole process group: gcloud is a Python
 * wrapper around a Java server) in afterAll.
 *
 * Where gcloud is missing the Pub/Sub tests are skipped, except in CI (CI=true), which requires them:
 * there they run and fail on the missing emulator.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { freePort } from './network.ts';

export interface PubSubEmulator {
  /** `host:port`, what PUBSUB_EMULATOR_HOST would hold. */
  host: string;
  projectId: string;
  /** Kills the emulator and waits for it to exit. */
  stop(): Promise<void>;
}

export function gcloudAvailable(): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, 'gcloud'), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Whether this run includes the Pub/Sub tests: gcloud is here, or CI demands them. */
export function pubSubTestsEnabled(): boolean {
  return gcloudAvailable() || process.env.CI === 'true';
}

export interface PubSubEmulatorOptions {
  /** How long to wait for the emulator to answer; it takes about 5 s. Default 30 000. */
  startTimeoutMs?: number;
}

export async function startPubSubEmulator(options: PubSubEmulatorOptions = {}): Promise<PubSubEmulator> {
  const { startTimeoutMs = 30_000 } = options;
  if (!gcloudAvailable()) {
    throw new Error(
      'gcloud is not on PATH, and the Pub/Sub tests need its emulator (CI=true makes them required): ' +
        'install the Google Cloud CLI with its beta and pubsub-emulator components',
    );
  }
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const projectId = `test-${randomBytes(4).toString('hex')}`;
  const child = spawn(
    'gcloud',
    ['beta', 'emulators', 'pubsub', 'start', `--host-port=${host}`, `--project=${projectId}`],
    {
      // Its own process group, so that one signal reaches the Java server too.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start gcloud');

  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  };
  // A test worker that dies without afterAll must not leave a Java server behind.
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);

  const stop = async () => {
    process.off('exit', onExit);
    if (hasExited) return;
    killGroup('SIGTERM');
    const timer = setTimeout(() => killGroup('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = performance.now() + startTimeoutMs;
  while (!(await answers(host))) {
    if (hasExited || performance.now() > deadline) {
      await stop();
      throw new Error(
        `the Pub/Sub emulator did not start on ${host} within ${startTimeoutMs} ms; its output:\n${output}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { host, projectId, stop };
}

/** The emulator answers a plain GET on its port with "Ok" once it serves. */
async function answers(host: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1_000) });
    return response.ok;
  } catch {
    return false;
  }
}
