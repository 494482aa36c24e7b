/**
 * One subscriber's bounded queue of events: what graphql-ws iterates, what the feed pushes into, and
 * how a client that does not keep up is let go.
 */
import { describe, expect, it } from '@jest/globals';
import type { FormattedExecutionResult } from 'graphql';
import { createEventStream, type EventStream, type EventStreamLimits } from './event-stream.ts';

const alert = (id: string): FormattedExecutionResult => ({ data: { alerts: { id, shortage: 1 } } });

const DONE = { value: undefined, done: true };

/** A stream whose socket holds `socket.bufferedBytes`, counting the calls of its callbacks. */
function streamWith(limits: Partial<EventStreamLimits> = {}) {
  const socket = { bufferedBytes: 0 };
  const calls = { overflow: 0, end: 0 };
  const stream = createEventStream(
    { maxPending: 100, maxBufferedBytes: 1_000_000, ...limits },
    () => socket.bufferedBytes,
    () => {
      calls.overflow += 1;
    },
    () => {
      calls.end += 1;
    },
  );
  return { stream, socket, calls };
}

/** What graphql-ws calls when the client completes or the socket closes (optional in the iterator type). */
function end(stream: EventStream): Promise<IteratorResult<FormattedExecutionResult>> {
  if (!stream.return) throw new Error('the stream has no return()');
  return stream.return();
}

function fail(stream: EventStream, error: Error): Promise<IteratorResult<FormattedExecutionResult>> {
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

describe('createEventStream', () => {
  it('hands a pushed result to the reader waiting for it', async () => {
    const { stream, calls } = streamWith();
    const waiting = stream.next();
    expect(await settled(waiting)).toBe(false);
    stream.push(alert('1'));
    expect(await waiting).toEqual({ value: alert('1'), done: false });
    // The next reader waits again until the next push.
    const second = stream.next();
    expect(await settled(second)).toBe(false);
    stream.push(alert('2'));
    expect(await second).toEqual({ value: alert('2'), done: false });
    expect(calls).toEqual({ overflow: 0, end: 0 });
  });

  it('queues results pushed while no reader waits and hands them out in order', async () => {
    const { stream, calls } = streamWith({ maxPending: 3 });
    stream.push(alert('1'));
    stream.push(alert('2'));
    stream.push(alert('3'));
    expect(await stream.next()).toEqual({ value: alert('1'), done: false });
    stream.push(alert('4'));
    expect(await stream.next()).toEqual({ value: alert('2'), done: false });
    expect(await stream.next()).toEqual({ value: alert('3'), done: false });
    expect(await stream.next()).toEqual({ value: alert('4'), done: false });
    expect(calls).toEqual({ overflow: 0, end: 0 });
  });

  it('is iterated by for await, and leaving the loop ends the stream once', async () => {
    const { stream, calls } = streamWith();
    stream.push(alert('1'));
    stream.push(alert('2'));
    const seen: FormattedExecutionResult[] = [];
    for await (const result of stream) {
      seen.push(result);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([alert('1'), alert('2')]);
    expect(calls).toEqual({ overflow: 0, end: 1 });
    expect(await stream.next()).toEqual(DONE);
  });

  it('overflows on a push beyond maxPending waiting results: onOverflow once, the stream ends, queued results are dropped', async () => {
    const { stream, calls } = streamWith({ maxPending: 2 });
    stream.push(alert('1'));
    stream.push(alert('2'));
    expect(calls).toEqual({ overflow: 0, end: 0 });
    stream.push(alert('3'));
    expect(calls).toEqual({ overflow: 1, end: 1 });
    expect(await stream.next()).toEqual(DONE);
    // Later pushes are ignored: no second overflow, nothing queued.
    stream.push(alert('4'));
    stream.push(alert('5'));
    stream.push(alert('6'));
    expect(calls).toEqual({ overflow: 1, end: 1 });
    expect(await stream.next()).toEqual(DONE);
    expect(await end(stream)).toEqual(DONE);
    expect(calls).toEqual({ overflow: 1, end: 1 });
  });

  it('overflows on a push while the socket holds more than maxBufferedBytes unsent, however short the queue', async () => {
    const { stream, socket, calls } = streamWith({ maxPending: 100, maxBufferedBytes: 1_000 });
    socket.bufferedBytes = 1_000;
    stream.push(alert('1'));
    expect(calls).toEqual({ overflow: 0, end: 0 });
    expect(await stream.next()).toEqual({ value: alert('1'), done: false });

    socket.bufferedBytes = 1_001;
    stream.push(alert('2'));
    expect(calls).toEqual({ overflow: 1, end: 1 });
    expect(await stream.next()).toEqual(DONE);
    socket.bufferedBytes = 5_000;
    stream.push(alert('3'));
    expect(calls).toEqual({ overflow: 1, end: 1 });
    expect(await stream.next()).toEqual(DONE);
  });

  it('return() ends the stream: done, onEnd once, later pushes ignored, no overflow', async () => {
    const { stream, calls } = streamWith({ maxPending: 1 });
    stream.push(alert('1'));
    expect(await end(stream)).toEqual(DONE);
    expect(calls).toEqual({ overflow: 0, end: 1 });
    expect(await stream.next()).toEqual(DONE);
    stream.push(alert('2'));
    stream.push(alert('3'));
    expect(await stream.next()).toEqual(DONE);
    expect(await end(stream)).toEqual(DONE);
    expect(calls).toEqual({ overflow: 0, end: 1 });
  });

  it('gives done to the reader waiting when return() is called', async () => {
    const { stream, calls } = streamWith();
    const waiting = stream.next();
    expect(await settled(waiting)).toBe(false);
    expect(await end(stream)).toEqual(DONE);
    expect(await waiting).toEqual(DONE);
    expect(calls).toEqual({ overflow: 0, end: 1 });
  });

  it('throw() ends the stream and rejects with the error', async () => {
    const { stream, calls } = streamWith();
    const waiting = stream.next();
    await expect(fail(stream, new Error('socket gone'))).rejects.toThrow('socket gone');
    expect(await waiting).toEqual(DONE);
    expect(calls).toEqual({ overflow: 0, end: 1 });
    stream.push(alert('1'));
    expect(await stream.next()).toEqual(DONE);
  });
});
