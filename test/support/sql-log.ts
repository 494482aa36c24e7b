/**
 * The SQL a service runs, read from MikroORM's debug log: give `logger` to the service (a subgraph, or
 * openDatabase) and read what it ran with `statementsDuring`.
 */
import { pino } from 'pino';
import type { Logger } from '../../lib/logger.ts';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export interface SqlLog {
  /** A debug-level logger that records every line written to it. */
  logger: Logger;
  /** The statements logged while `work` ran, as sent (`?` placeholders), without MikroORM's decoration. */
  statementsDuring(work: () => Promise<unknown>): Promise<string[]>;
}

export function sqlLog(): SqlLog {
  const messages: string[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write(line: string) {
        messages.push(((JSON.parse(line) as { msg?: string }).msg ?? '').replace(ANSI, ''));
      },
    },
  );
  return {
    logger,
    async statementsDuring(work) {
      const start = messages.length;
      await work();
      return messages
        .slice(start)
        .filter((message) => message.startsWith('[query] '))
        .map((message) => message.replace(/^\[query\] /, '').replace(/ \[took .*\]$/, ''));
    },
  };
}
