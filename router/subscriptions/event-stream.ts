/**
 * One subscriber's stream of events as graphql-ws consumes it: an async iterator over a bounded queue.
 * A client that does not keep up (too many events waiting, or too many bytes unsent on its socket) is
 * disconnected rather than allowed to hold the router's memory.
 */
import type { FormattedExecutionResult } from 'graphql';

export interface EventStreamLimits {
  /** Events waiting for this subscriber before it counts as too slow. */
  maxPending: number;
  /** Bytes unsent on the socket before the client counts as too slow. */
  maxBufferedBytes: number;
}

export interface EventStream extends AsyncIterableIterator<FormattedExecutionResult> {
  /** Queues a result, or calls `onOverflow` when the client is too slow. */
  push(result: FormattedExecutionResult): void;
}

export function createEventStream(
  limits: EventStreamLimits,
  bufferedBytes: () => number,
  onOverflow: () => void,
  onEnd: () => void,
): EventStream {
  const pending: FormattedExecutionResult[] = [];
  let waiting: ((result: IteratorResult<FormattedExecutionResult>) => void) | undefined;
  let ended = false;
  const end = (): IteratorResult<FormattedExecutionResult> => {
    if (!ended) {
      ended = true;
      pending.length = 0;
      waiting?.({ value: undefined, done: true });
      waiting = undefined;
      onEnd();
    }
    return { value: undefined, done: true };
  };
  const stream: EventStream = {
    push(result) {
      if (ended) return;
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve({ value: result, done: false });
        return;
      }
      if (pending.length >= limits.maxPending || bufferedBytes() > limits.maxBufferedBytes) {
        end();
        onOverflow();
        return;
      }
      pending.push(result);
    },
    next() {
      const result = pending.shift();
      if (result !== undefined) return Promise.resolve({ value: result, done: false });
      if (ended) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    return() {
      return Promise.resolve(end());
    },
    throw(error?: unknown) {
      end();
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}
