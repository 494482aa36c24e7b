/**
 * One subscriber's stream of events. graphql-ws owns the subscription's life (it iterates the stream,
 * calls return() when the client completes or the socket closes, and sends `complete` when it ends), but
 * results do not pass through it: graphql-ws serialises each message for each socket, which at 10,000
 * subscribers was most of a delivery's cost. Each result is serialised once per group of subscribers
 * (NextMessage), as the whole WebSocket frame of its `next` message, and that frame is written to every
 * socket as it is, in one write (frameWriter). A client that does not keep up (too many messages not yet
 * written out, or too many bytes unsent on its socket) is disconnected rather than allowed to hold the
 * router's memory.
 */
import { Socket } from 'node:net';
import type { FormattedExecutionResult } from 'graphql';
import { MessageType } from 'graphql-ws';
import * as ws from 'ws';

export interface EventStreamLimits {
  /** Messages written to the socket but not yet handed to the network before the client counts as too slow. */
  maxPending: number;
  /** Bytes unsent on the socket before the client counts as too slow. */
  maxBufferedBytes: number;
}

/** What the stream needs of a subscriber's connection. */
export interface EventSocket {
  /** Bytes written but not yet handed to the network. */
  readonly bufferedAmount: number;
  /** Writes a whole WebSocket frame; `written` is called once it is handed to the network, or failed. */
  writeFrame(frame: Buffer, written: () => void): void;
}

/**
 * A result as graphql-ws' `next` message in a WebSocket text frame, serialised once for every subscriber
 * it goes to: the frame of each subscription id is built once, so subscribers whose clients chose the same
 * id (one per socket, as most clients number them) get the very same bytes. A server's frames are not
 * masked (RFC 6455 §5.1), so the same frame serves every socket.
 */
export class NextMessage {
  readonly #payload: Buffer;
  readonly #frames = new Map<string, Buffer>();

  constructor(result: FormattedExecutionResult) {
    this.#payload = Buffer.from(JSON.stringify(result));
  }

  /** The text frame of `{"id":…,"type":"next","payload":…}`, byte for byte what graphql-ws and ws would send. */
  frame(id: string): Buffer {
    let frame = this.#frames.get(id);
    if (!frame) {
      const head = Buffer.from(
        `{"id":${JSON.stringify(id)},"type":${JSON.stringify(MessageType.Next)},"payload":`,
      );
      frame = Buffer.concat(
        framing.Sender.frame(Buffer.concat([head, this.#payload, MESSAGE_END]), SERVER_TEXT_FRAME),
      );
      this.#frames.set(id, frame);
    }
    return frame;
  }
}

const MESSAGE_END = Buffer.from('}');

/**
 * ws's own framing, which its `send` uses: exported as `Sender` but not in @types/ws. Given data and no
 * mask, it returns the frame's header and the data, to be written one after the other.
 */
const framing = ws as unknown as {
  Sender: {
    frame(
      data: Buffer,
      options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean },
    ): Buffer[];
  };
};

/** A final, uncompressed text frame (opcode 1), unmasked as a server's are (RFC 6455 §5.1). */
const SERVER_TEXT_FRAME = { fin: true, rsv1: false, opcode: 0x01, mask: false, readOnly: false };

/**
 * Writes frames built beforehand to a `ws` WebSocket's own TCP socket. `ws` has no public way to send a
 * frame built once: its `send` frames every message again and writes the header and the data as two
 * writes (cork, write, write, uncork), which cost the router's one thread 17 µs per socket against 13 µs
 * for one write of the whole frame (5,000 sockets, median of 8). Writing under ws is safe while nothing
 * queues inside it: without compression (the server turns permessage-deflate off) ws writes each frame
 * whole and at once, so frames never interleave, and its `bufferedAmount` counts these bytes too.
 */
export function frameWriter(webSocket: ws.WebSocket): EventSocket {
  const tcp: unknown = (webSocket as unknown as { _socket?: unknown })._socket;
  if (!(tcp instanceof Socket)) {
    throw new Error('ws no longer keeps its TCP socket as _socket: event frames cannot be written under it');
  }
  return {
    get bufferedAmount() {
      return webSocket.bufferedAmount;
    },
    writeFrame(frame, written) {
      // A closing socket takes nothing more (ws would refuse it too); graphql-ws ends the stream.
      if (webSocket.readyState !== ws.WebSocket.OPEN) return void queueMicrotask(written);
      tcp.write(frame, written);
    },
  };
}

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
      socket.writeFrame(message.frame(id), written);
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
