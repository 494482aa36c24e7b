/**
 * CPU accounting from /proc: a process counts with its descendants, those that have ended included (a
 * Postgres server's connections come and go during a run), and the machine's busy time is read too.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { cpuMs, machineCpuMs, parentPid } from './proc-stats.ts';

/** Spins a child process for `ms` of CPU and waits for it to end (it is reaped by this process). */
function burnInChild(ms: number): void {
  const child = spawnSync(process.execPath, [
    '-e',
    `const end = process.cpuUsage().user + ${ms * 1000}; while (process.cpuUsage().user < end);`,
  ]);
  expect(child.status).toBe(0);
}

describe('CPU time from /proc', () => {
  it("counts a child's CPU after it has ended, and the machine's busy time with it", () => {
    const before = cpuMs(process.pid);
    const machineBefore = machineCpuMs();
    burnInChild(300);
    const used = cpuMs(process.pid) - before;
    const machine = machineCpuMs();
    // The child's 300 ms (and its start-up) counted; the clock ticks are 10 ms.
    expect(used).toBeGreaterThanOrEqual(280);
    expect(machine.busyMs - machineBefore.busyMs).toBeGreaterThanOrEqual(280);
    expect(machine.allMs - machineBefore.allMs).toBeGreaterThanOrEqual(machine.busyMs - machineBefore.busyMs);
  });

  it('names the parent of a process, and none for a process that is not running', () => {
    expect(parentPid(process.pid)).toBe(process.ppid);
    expect(parentPid(2 ** 22 + 1)).toBeUndefined();
  });
});
