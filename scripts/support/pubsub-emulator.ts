/**
 * The real Pub/Sub emulator as a child process: `gcloud beta emulators pubsub start` on a free port, killed
 * (its whole process group: gcloud is a Python wrapper around a Java server) when stopped or when this
 * process exits. The emulator accepts any project, and topics and subscriptions belong to one project, so
 * users of one emulator stay apart by using projects of their own.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { freePort } from './ports.ts';

export interface PubSubEmulator {
  /** `host:port`, what PUBSUB_EMULATOR_HOST would hold. */
  host: string;
  projectId: string;
  /** Its process (gcloud, with the Java server below it), when it is the caller's own. */
  pid?: number;
  /** Kills the emulator and waits for it to exit (or lets go of a shared one). */
  stop(): Promise<void>;
}

export interface PubSubEmulatorProcess {
  host: string;
  pid: number;
  /** Resolves once the emulator answers; rejects with its output when it exits or `timeoutMs` passes. */
  ready(timeoutMs: number): Promise<void>;
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

/** A project id no one else uses. */
export function newProjectId(): string {
  return `test-${randomBytes(4).toString('hex')}`;
}

/** Starts the emulator without waiting for it: it takes seconds, which its user can spend otherwise. */
export async function spawnPubSubEmulator(): Promise<PubSubEmulatorProcess> {
  if (!gcloudAvailable()) {
    throw new Error(
      'gcloud is not on PATH, and the Pub/Sub emulator needs it: ' +
        'install the Google Cloud CLI with its beta and pubsub-emulator components',
    );
  }
  const host = `127.0.0.1:${await freePort()}`;
  const child = spawn('gcloud', ['beta', 'emulators', 'pubsub', 'start', `--host-port=${host}`], {
    // Its own process group, so that one signal reaches the Java server too.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
  // A process that dies without stopping it must not leave a Java server behind.
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

  const ready = async (timeoutMs: number) => {
    const deadline = performance.now() + timeoutMs;
    while (!(await emulatorAnswers(host))) {
      if (hasExited || performance.now() > deadline) {
        throw new Error(
          `the Pub/Sub emulator did not start on ${host} within ${timeoutMs} ms; its output:\n${output}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return { host, pid, ready, stop };
}

/** An emulator of the caller's own, answering, with a project of its own. */
export async function startPubSubEmulator(startTimeoutMs = 30_000): Promise<PubSubEmulator> {
  const emulator = await spawnPubSubEmulator();
  try {
    await emulator.ready(startTimeoutMs);
  } catch (error) {
    await emulator.stop();
    throw error;
  }
  return { host: emulator.host, pid: emulator.pid, projectId: newProjectId(), stop: emulator.stop };
}

/** The emulator answers a plain GET on its port with "Ok" once it serves. */
export async function emulatorAnswers(host: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1_000) });
    return response.ok;
  } catch {
    return false;
  }
}
