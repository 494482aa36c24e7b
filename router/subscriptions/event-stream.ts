/**
 * One subscriber's stream of events. graphql-ws owns the subscription's life (it iterates the stream,
 * calls return() when the client completes or the socket closes, and sends `complete` when it ends), but
 * results do not pass through it: graphql-ws serialises each message for each socket, which at 10,000
 * subscribers was most of a delivery's cost. Each result is serialised once per group of subscribers
 * (NextMessage) and its `next` frame written to every socket as it is (a Buffer: ws neither copies nor
 * re-encodes it). A client that does not keep up (too many messages not yet written out, or too many bytes
 * unsent on its socket) is disconnected rather than allowed to hold the router's memory.
 */
import type { FormattedExecutionResult } from 'graphql';
import { MessageType } from 'graphql-ws';

export interface EventStreamLimits {
  /** Messages written to the socket but not yet handed to the network before the client counts as too slow. */
  maxPending: number;
  /** Bytes unsent on the socket before the client counts as too slow. */
  maxBufferedBytes: number;
}

/** What the stream needs of a `ws` WebSocket. */
export interface EventSocket {
  readonly bufferedAmount: number;
  send(data: Buffer, options: { binary: boolean }, written: (error?: Error) => void): void;
}

/**
 * A result as graphql-ws' `next` message, serialised once for every subscriber it goes to: the frame of
 * each subscription id is built once, so subscribers whose clients chose the same id (one per socket, as
 * most clients number them) get the very same bytes.
 */
export class NextMessage {
  readonly #payload: Buffer;
  readonly #frames = new Map<string, Buffer>();

  constructor(result: FormattedExecutionResult) {
    this.#payload = Buffer.from(JSON.stringify(result));
  }

  /** `{"id":…,"type":"next","payload":…}`, byte for byte what graphql-ws would send. */
  frame(id: string): Buffer {
    let frame = this.#frames.get(id);
    if (!frame) {
      const head = `{"id":${JSON.stringify(id)},"type":${JSON.stringify(MessageType.Next)},"payload":`;
      frame = Buffer.concat([Buffer.from(head), this.#payload, MESSAGE_END]);
      this.#frames.set(id, frame);
    }
    return frame;
  }
}

const MESSAGE_END = Buffer.from('}');

/** graphql-ws' protocol is JSON in text frames (a Buffer would otherwise go out as a binary frame). */
const TEXT = { binary: false };

export interface EventStream extends AsyncIterableIterator<never> {
  /** Writes a result to the client, or calls `onOverflow` when the client is too slow. */
  push(message: NextMessage): void;
}

/** The stream of subscription `id` on `socket`. */
export function createEventStream(
  limits: EventStreamLimits,
  socket: EventSocket,
  id: string,
  onOverflow: () => void,
  onEnd: () => void,
): EventStream {
  let unwritten = 0;
  const written = () => {
    unwritten -= 1;
  };
  let waiting: ((result: IteratorResult<never>) => void) | undefined;
  let ended = false;
  const end = (): IteratorResult<never> => {
    if (!ended) {
      ended = true;
      waiting?.({ value: undefined, done: true });
      waiting = undefined;
      onEnd();
    }
    return { value: undefined, done: true };
  };
  const stream: EventStream = {
    push(message) {
      if (ended) return;
      if (unwritten >= limits.maxPending || socket.bufferedAmount > limits.maxBufferedBytes) {
        end();
        onOverflow();
        return;
      }
      unwritten += 1;
      socket.send(message.frame(id), TEXT, written);
    },
    // Yields nothing (results go straight to the socket): graphql-ws waits here until the stream ends.
    next() {
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
