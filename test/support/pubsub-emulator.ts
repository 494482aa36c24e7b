/**
 * The real Pub/Sub emulator for a test file. Global setup starts one for the whole run (a Java server takes
 * seconds of CPU to start); each test file uses a project of its own on it, so files never see each other's
 * topics. A file that stops the emulator on purpose starts one of its own (`startPubSubEmulator` in
 * scripts/support/pubsub-emulator.ts).
 *
 * Where gcloud is missing the Pub/Sub tests are skipped, except in CI (CI=true), which requires them:
 * there they run and fail on the missing emulator.
 */
import {
  emulatorAnswers,
  gcloudAvailable,
  newProjectId,
  startPubSubEmulator,
  type PubSubEmulator,
} from '../../scripts/support/pubsub-emulator.ts';

/** Where global setup started the run's emulator (set for the workers). */
export const SHARED_EMULATOR_VARIABLE = 'TEST_PUBSUB_EMULATOR_HOST';

/** Whether this run includes the Pub/Sub tests: gcloud is here, or CI demands them. */
export function pubSubTestsEnabled(): boolean {
  return gcloudAvailable() || process.env.CI === 'true';
}

/**
 * The run's emulator with a project of the caller's own, once it answers; where global setup started none
 * (or it does not answer within `startTimeoutMs`), an emulator of the caller's own. Its `stop` stops only
 * an emulator of the caller's own.
 */
export async function testPubSubEmulator(startTimeoutMs = 60_000): Promise<PubSubEmulator> {
  const shared = process.env[SHARED_EMULATOR_VARIABLE];
  if (shared !== undefined && (await answersWithin(shared, startTimeoutMs))) {
    return { host: shared, projectId: newProjectId(), stop: async () => undefined };
  }
  return startPubSubEmulator(startTimeoutMs);
}

async function answersWithin(host: string, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!(await emulatorAnswers(host))) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}
