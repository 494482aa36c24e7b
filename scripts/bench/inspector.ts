/**
 * A service started with `--inspect=127.0.0.1:<port>`, asked over the DevTools protocol to collect its
 * garbage and report its memory: what it retains, apart from what it has not yet collected.
 */
import { WebSocket } from 'ws';

export interface RetainedMemory {
  heapUsedMb: number;
  residentMb: number;
}

/** Runs a full garbage collection in the process whose inspector listens on `port`, then reads its memory. */
export async function retainedMemory(port: number): Promise<RetainedMemory> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${port}`);
  const socket = new WebSocket(url);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let nextId = 1;
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      const onMessage = (data: Buffer) => {
        const message = JSON.parse(data.toString()) as { id?: number; result?: unknown; error?: unknown };
        if (message.id !== id) return;
        socket.off('message', onMessage);
        if (message.error) reject(new Error(JSON.stringify(message.error)));
        else resolve(message.result);
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    const result = (await call('Runtime.evaluate', {
      expression: 'JSON.stringify(process.memoryUsage())',
      returnByValue: true,
    })) as { result: { value: string } };
    const usage = JSON.parse(result.result.value) as { heapUsed: number; rss: number };
    return { heapUsedMb: usage.heapUsed / 2 ** 20, residentMb: usage.rss / 2 ** 20 };
  } finally {
    socket.close();
  }
}
