/**
 * One subscriber's stream of events: results written to its socket as graphql-ws `next` frames serialised
 * once for everyone, what graphql-ws iterates (nothing, until the subscription ends), and how a client
 * that does not keep up is let go.
 */
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FormattedExecutionResult } from 'graphql';
import { WebSocket, WebSocketServer } from 'ws';
import {
  createEventStream,
  frameWriter,
  NextMessage,
  type EventStream,
  type EventStreamLimits,
} from './event-stream.ts';
import { textOfFrame } from '../../test/support/websocket-frames.ts';

const alert = (id: string): FormattedExecutionResult => ({ data: { alerts: { id, shortage: 1 } } });

const DONE = { value: undefined, done: true };

/** A socket that records the frames written and leaves each write unfinished until `flush()`. */
class FakeSocket {
  bufferedAmount = 0;
  readonly sent: Buffer[] = [];
  readonly #callbacks: (() => void)[] = [];
  writeFrame(frame: Buffer, written: () => void): void {
    this.sent.push(frame);
    this.#callbacks.push(written);
  }
  flush(): void {
    for (const written of this.#callbacks.splice(0)) written();
  }
  messages(): unknown[] {
    return this.sent.map((frame) => JSON.parse(textOfFrame(frame)));
  }
}

/** A stream of subscription `id` on a fake socket, counting the calls of its callbacks. */
function streamWith(limits: Partial<EventStreamLimits> = {}, id = '1', socket = new FakeSocket()) {
  const calls = { overflow: 0, end: 0 };
  const stream = createEventStream(
    { maxPending: 100, maxBufferedBytes: 1_000_000, ...limits },
    socket,
    id,
    () => {
      calls.overflow += 1;
    },
    () => {
      calls.end += 1;
    },
  );
  return { stream, socket, calls };
}

const next = (id: string, result: FormattedExecutionResult) => ({ id, type: 'next', payload: result });

/** What graphql-ws calls when the client completes or the socket closes (optional in the iterator type). */
function end(stream: EventStream): Promise<IteratorResult<never>> {
  if (!stream.return) throw new Error('the stream has no return()');
  return stream.return();
}

function fail(stream: EventStream, error: Error): Promise<IteratorResult<never>> {
  if (!stream.throw) throw new Error('the stream has no throw()');
  return stream.throw(error);
}

/** Whether `promise` has settled once the queued callbacks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('NextMessage', () => {
  it('is the message graphql-ws would send, byte for byte, in one text frame', () => {
    const result: FormattedExecutionResult = {
      data: { lowStockAlerts: { name: 'Crème "forte" ✓', available: 2 } },
      errors: [{ message: 'partly', path: ['lowStockAlerts', 'product'] }],
    };
    const message = new NextMessage(result);
    for (const id of ['1', 'a "quoted" id', '0b9c…']) {
      expect(textOfFrame(message.frame(id))).toBe(JSON.stringify({ id, type: 'next', payload: result }));
    }
  });

  it('builds the frame of an id once: every subscription with that id gets the very same bytes', () => {
    const message = new NextMessage(alert('7'));
    expect(message.frame('1')).toBe(message.frame('1'));
    expect(message.frame('2')).not.toBe(message.frame('1'));
  });
});

describe('createEventStream', () => {
  it('writes each pushed result to the socket as a text frame, in order, and yields nothing to graphql-ws', async () => {
    const { stream, socket, calls } = streamWith({}, 'sub-9');
    const waiting = stream.next();
    stream.push(new NextMessage(alert('1')));
    stream.push(new NextMessage(alert('2')));
    expect(socket.messages()).toEqual([next('sub-9', alert('1')), next('sub-9', alert('2'))]);
    expect(await settled(waiting)).toBe(false);
    expect(calls).toEqual({ overflow: 0, end: 0 });
  });

  it('writes one message to many streams as the same Buffer', () => {
    const message = new NextMessage(alert('1'));
    const sockets = [new FakeSocket(), new FakeSocket(), new FakeSocket()];
    for (const socket of sockets) streamWith({}, '1', socket).stream.push(message);
    const [first] = sockets[0]?.sent ?? [];
    expect(sockets.every((socket) => socket.sent.length === 1 && socket.sent[0] === first)).toBe(true);
  });

  it('is iterated by for await until return(): the loop then ends and onEnd runs once', async () => {
    const { stream, calls } = streamWith();
    const loop = (async () => {
      for await (const result of stream) throw new Error(`nothing is yielded, got ${String(result)}`);
      return 'ended';
    })();
    expect(await settled(loop)).toBe(false);
    expect(await end(stream)).toEqual(DONE);
    expect(await loop).toBe('ended');
    expect(calls).toEqual({ overflow: 0, end: 1 });
    expect(await stream.next()).toEqual(DONE);
  });

  it('overflows on a push beyond maxPending messages not yet written out: onOverflow once, the stream ends, later pushes ignored', async () => {
    const { stream, socket, calls } = streamWith({ maxPending: 2 });
    stream.push(new NextMessage(alert('1')));
    stream.push(new NextMessage(alert('2')));
    expect(calls).toEqual({ overflow: 0, end: 0 });
    stream.push(new NextMessage(alert('3')));
    expect(calls).toEqual({ overflow: 1, end: 1 });
    expect(await stream.next()).toEqual(DONE);
    stream.push(new NextMessage(alert('4')));
    socket.flush();
    stream.push(new NextMessage(alert('5')));
    expect(calls).toEqual({ overflow: 1, end: 1 });
    expect(socket.sent).toHaveLength(2);
    expect(await end(stream)).toEqual(DONE);
    expect(calls).toEqual({ overflow: 1, end: 1 });
  });

  it('counts a message as pending only until the socket has written it', () => {
    const { stream, socket, calls } = streamWith({ maxPending: 2 });
    for (let n = 1; n <= 10; n += 1) {
      stream.push(new NextMessage(alert(String(n))));
      socket.flush();
    }
    expect(socket.sent).toHaveLength(10);
    expect(calls).toEqual({ overflow: 0, end: 0 });
  });

  it('overflows on a push while the socket holds more than maxBufferedBytes unsent, however few messages are pending', async () => {
    const { stream, socket, calls } = streamWith({ maxPending: 100, maxBufferedBytes: 1_000 });
    socket.bufferedAmount = 1_000;
    stream.push(new NextMessage(alert('1')));
    expect(calls).toEqual({ overflow: 0, end: 0 });
    expect(socket.sent).toHaveLength(1);

    socket.bufferedAmount = 1_001;
    stream.push(new NextMessage(alert('2')));
    expect(calls).toEqual({ overflow: 1, end: 1 });
    expect(await stream.next()).toEqual(DONE);
    socket.bufferedAmount = 0;
    stream.push(new NextMessage(alert('3')));
    expect(calls).toEqual({ overflow: 1, end: 1 });
    expect(socket.sent).toHaveLength(1);
  });

  it('return() ends the stream: done, onEnd once, later pushes not written, no overflow', async () => {
    const { stream, socket, calls } = streamWith({ maxPending: 1 });
    expect(await end(stream)).toEqual(DONE);
    expect(calls).toEqual({ overflow: 0, end: 1 });
    stream.push(new NextMessage(alert('2')));
    stream.push(new NextMessage(alert('3')));
    expect(socket.sent).toEqual([]);
    expect(await stream.next()).toEqual(DONE);
    expect(await end(stream)).toEqual(DONE);
    expect(calls).toEqual({ overflow: 0, end: 1 });
  });

  it('throw() ends the stream and rejects with the error', async () => {
    const { stream, socket, calls } = streamWith();
    const waiting = stream.next();
    await expect(fail(stream, new Error('socket gone'))).rejects.toThrow('socket gone');
    expect(await waiting).toEqual(DONE);
    expect(calls).toEqual({ overflow: 0, end: 1 });
    stream.push(new NextMessage(alert('1')));
    expect(socket.sent).toEqual([]);
  });
});

describe('frameWriter', () => {
  let server: WebSocketServer;
  let url: string;
  beforeAll(async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
    await once(server, 'listening');
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  });

  /** A real client connected to the server, and the server's side of its socket. */
  async function connected() {
    const accepted = once(server, 'connection') as Promise<[WebSocket]>;
    const client = new WebSocket(url);
    const received: { text: string; binary: boolean }[] = [];
    client.on('message', (data: Buffer, binary: boolean) =>
      received.push({ text: data.toString('utf8'), binary }),
    );
    await once(client, 'open');
    const [serverSide] = await accepted;
    return { client, serverSide, received };
  }

  it('delivers frames of every length class to a real client as text messages, in order with what ws sends', async () => {
    const { client, serverSide, received } = await connected();
    const socket = frameWriter(serverSide);
    // Payloads under 126 bytes, under 64 KiB and over it take the three header forms.
    const results = [10, 1_000, 70_000].map((size) => ({ data: { note: 'x'.repeat(size) } }));
    let written = 0;
    for (const result of results) {
      socket.writeFrame(new NextMessage(result).frame('7'), () => (written += 1));
      serverSide.send('{"type":"ping"}');
    }
    while (received.length < 6) await once(client, 'message');
    expect(received).toEqual(
      results.flatMap((result) => [
        { text: JSON.stringify({ id: '7', type: 'next', payload: result }), binary: false },
        { text: '{"type":"ping"}', binary: false },
      ]),
    );
    expect(written).toBe(3);
    expect(socket.bufferedAmount).toBe(0);
    client.close();
  });

  it("counts the frames it writes in the socket's bufferedAmount, so a client that stops reading overflows", async () => {
    const { client, serverSide } = await connected();
    // The client's process stops reading: the kernel's buffers fill, then the server's socket queues.
    (client as unknown as { _socket: Socket })._socket.pause();
    let overflowed = false;
    const stream = createEventStream(
      { maxPending: 1_000_000, maxBufferedBytes: 256 * 1024 },
      frameWriter(serverSide),
      '1',
      () => (overflowed = true),
      () => undefined,
    );
    const message = new NextMessage({ data: { note: 'x'.repeat(100_000) } });
    let pushes = 0;
    while (!overflowed && pushes < 1_000) {
      stream.push(message);
      pushes += 1;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(overflowed).toBe(true);
    expect(serverSide.bufferedAmount).toBeGreaterThan(256 * 1024);
    client.terminate();
  });

  it('writes nothing once the socket is closing, and still reports the write as done', async () => {
    const { client, serverSide, received } = await connected();
    const socket = frameWriter(serverSide);
    serverSide.close(1001, 'going away');
    let written = false;
    socket.writeFrame(new NextMessage(alert('1')).frame('1'), () => (written = true));
    const [code] = (await once(client, 'close')) as [number];
    expect(code).toBe(1001);
    expect(written).toBe(true);
    expect(received).toEqual([]);
  });
});
