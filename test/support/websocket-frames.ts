/** Reading the WebSocket frames the router builds itself (router/subscriptions/event-stream.ts). */

/** The text of an unmasked, final text frame (RFC 6455 §5.2); throws on any other frame. */
export function textOfFrame(frame: Buffer): string {
  if (frame[0] !== 0x81) throw new Error(`not a final text frame: first byte ${frame[0]}`);
  const short = (frame[1] ?? 0) & 0x7f;
  const [length, start] =
    short === 126
      ? [frame.readUInt16BE(2), 4]
      : short === 127
        ? [Number(frame.readBigUInt64BE(2)), 10]
        : [short, 2];
  if (frame.length !== start + length) throw new Error(`a frame of ${frame.length} bytes says ${length}`);
  return frame.subarray(start).toString('utf8');
}
