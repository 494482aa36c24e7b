/**
 * CPU time and peak memory of processes, read from /proc (Linux): a process counts with its descendants
 * (a gateway that forks workers is measured whole).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

function readStat(pid: number): { ppid: number; cpuTicks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the name: state ppid … utime (14th field overall) stime (15th), then cutime and cstime: the
    // time of its children that ended and were waited for (a Postgres backend that closed, say).
    const cpuTicks = fields.slice(11, 15).reduce((sum, field) => sum + Number(field), 0);
    return { ppid: Number(fields[1]), cpuTicks };
  } catch {
    return undefined;
  }
}

/** `pid` and every live descendant of it. */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (!stat) continue;
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(Number(entry));
    else children.set(stat.ppid, [Number(entry)]);
  }
  const tree: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift() as number;
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}

/** The parent of `pid`; undefined when it is not running. */
export function parentPid(pid: number): number | undefined {
  return readStat(pid)?.ppid;
}

/**
 * CPU time (user + system) used so far by `pid` and its descendants, in ms, with descendants that have
 * ended since (a server's connections come and go).
 */
export function cpuMs(pid: number): number {
  return processTree(pid).reduce(
    (sum, each) => sum + ((readStat(each)?.cpuTicks ?? 0) * 1000) / TICKS_PER_SECOND,
    0,
  );
}

function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return Number(match?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Peak resident memory (VmHWM) of `pid` and its descendants since start or the last reset, in MB. */
export function peakMemoryMb(pid: number): number {
  return processTree(pid).reduce((sum, each) => sum + statusKb(each, 'VmHWM'), 0) / 1024;
}

/** Resident memory (VmRSS) now of `pid` and its descendants, in MB. */
export function residentMemoryMb(pid: number): number {
  return processTree(pid).reduce((sum, each) => sum + statusKb(each, 'VmRSS'), 0) / 1024;
}

/** Starts a new peak-memory window (clear_refs 5 resets VmHWM); false where the kernel refuses. */
export function resetPeakMemory(pid: number): boolean {
  let reset = true;
  for (const each of processTree(pid)) {
    try {
      writeFileSync(`/proc/${each}/clear_refs`, '5');
    } catch {
      reset = false;
    }
  }
  return reset;
}

/** The soft limit on open files of a process (`ulimit -n`), from /proc/<pid>/limits; undefined if unreadable. */
export function openFilesLimit(pid: number | 'self' = 'self'): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
      .split('\n')
      .find((each) => each.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    return soft === 'unlimited' ? Infinity : soft === undefined ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/** CPU time of the whole machine so far (/proc/stat), in ms: busy (user, system, interrupts, stolen) and in all. */
export function machineCpuMs(): { busyMs: number; allMs: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1, 9);
  // user nice system idle iowait irq softirq steal (guest time is counted in user already).
  const ticks = fields.map(Number);
  const all = ticks.reduce((sum, each) => sum + each, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  const toMs = (value: number) => (value * 1000) / TICKS_PER_SECOND;
  return { busyMs: toMs(all - idle), allMs: toMs(all) };
}
