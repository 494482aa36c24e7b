/**
 * A sweep that runs at start and then every `intervalMs` after the previous one ended (never two at once
 * in a process), logging a failure and carrying on at the next interval. `stop` cancels the next run and
 * waits for one under way, so the database can close after it. Used by inventory's lot expiry sweep and
 * orders' stale order sweep.
 */
import type { Logger } from './logger.ts';

export interface PeriodicSweep {
  stop(): Promise<void>;
}

export function schedulePeriodicSweep<T>(options: {
  /** What the logs call it: `<name> done`, `<name> failed`. */
  name: string;
  intervalMs: number;
  logger: Logger;
  run: () => Promise<T>;
  /** Whether a result is worth an info line (a sweep that found nothing stays quiet). Default: always. */
  worthLogging?: (result: T) => boolean;
  /** Wait one interval before the first run instead of running at start. */
  delayFirst?: boolean;
}): PeriodicSweep {
  const { name, intervalMs, logger, run, worthLogging = () => true } = options;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const runOnce = async (): Promise<void> => {
    try {
      const result = await run();
      if (worthLogging(result)) logger.info(result as object, `${name} done`);
    } catch (error) {
      logger.error({ err: error }, `${name} failed; it runs again at the next interval`);
    }
    if (!stopped) next();
  };
  const next = () => {
    timer = setTimeout(() => void (running = runOnce()), intervalMs);
  };
  if (options.delayFirst) next();
  else running = runOnce();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
