/** What an error becomes in a log line: its type, message, code, stack and cause, never its attachments. */
import { describe, expect, it } from '@jest/globals';
import { serialiseError } from './logger.ts';

class DriverError extends Error {
  code = '57P01';
  // What a database driver's error may carry: its connection, with sockets and credentials.
  client = { password: 'secret', socket: { remoteAddress: '10.0.0.1' } };
}

describe('serialiseError', () => {
  it('keeps the type, message, code and stack, and drops everything else the error holds', () => {
    const error = new DriverError('terminating connection due to administrator command');
    const logged = serialiseError(error);
    expect(logged).toEqual({
      type: 'DriverError',
      message: 'terminating connection due to administrator command',
      code: '57P01',
      stack: error.stack,
    });
    expect(JSON.stringify(logged)).not.toContain('secret');
  });

  it('serialises the cause the same way, three levels deep at most', () => {
    const cause = new DriverError('connection refused');
    const logged = serialiseError(new Error('shutdown failed', { cause: new Error('pool', { cause }) }));
    expect(logged.cause?.cause).toMatchObject({
      type: 'DriverError',
      message: 'connection refused',
      code: '57P01',
    });
    expect(JSON.stringify(logged)).not.toContain('secret');
    let deep: unknown = new Error('bottom');
    for (let level = 0; level < 6; level++) deep = new Error(`level ${level}`, { cause: deep });
    expect(JSON.stringify(serialiseError(deep)).match(/"message"/g)).toHaveLength(4);
  });

  it('shows what was thrown when it is not an Error', () => {
    expect(serialiseError('a string')).toEqual({ type: 'string', message: 'a string' });
    expect(serialiseError(undefined)).toEqual({ type: 'undefined', message: 'undefined' });
  });
});
