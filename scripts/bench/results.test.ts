/** How the bench repeats, orders and judges its contenders' runs (scripts/bench/results.ts). */
import { describe, expect, it } from '@jest/globals';
import {
  interleaved,
  median,
  repeatedRatio,
  routerCpuRatios,
  times,
  turnOrders,
  type Measurement,
} from './results.ts';

/** Only what these helpers read of a run. */
const run = (label: string, rps: number, routerCpuMsPerRequest: number | null) =>
  ({ label, load: { rps }, routerCpuMsPerRequest }) as unknown as Measurement;

describe('interleaved', () => {
  it('runs every contender after every other, never one twice in a row, and keeps each list in repeat order', async () => {
    const order: string[] = [];
    const names = ['a', 'b', 'c', 'd', 'e'] as const;
    const contender = (name: (typeof names)[number]) => ({
      name,
      run: async (repeat: number) => {
        order.push(name);
        return run(`${name}${repeat}`, repeat, null);
      },
    });
    const runs = await interleaved(5, names.map(contender), { warmUp: true });

    expect(order.slice(0, 5)).toEqual(names);
    const successions = order.slice(1).map((name, i) => `${order[i]}${name}`);
    expect(successions.filter((pair) => pair[0] === pair[1])).toEqual([]);
    // The rotation A B C, B C A, … ran B after A in every turn; here each of the 20 orders of two runs.
    const measured = successions.slice(4);
    expect(new Set(measured).size).toBe(20);
    expect(Math.max(...names.map((name) => measured.filter((pair) => pair === `a${name}`).length))).toBe(2);
    expect(runs.a.map(({ label }) => label)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(runs.e.map(({ label }) => label)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
  });

  it('turns: no contender runs first in every turn, nor after the same one', () => {
    const turns = turnOrders(3, 4);
    expect(turns.every((turn) => [...turn].sort().join() === '0,1,2')).toBe(true);
    expect(new Set(turns.map((turn) => turn[0])).size).toBeGreaterThan(1);
    expect(new Set(turns.map((turn) => turn.indexOf(0) - turn.indexOf(1))).size).toBeGreaterThan(1);
  });

  it('with a warm-up, runs every contender once first and keeps none of those runs', async () => {
    const order: string[] = [];
    const contender = (name: 'a' | 'b') => ({
      name,
      run: async (repeat: number) => {
        order.push(`${name}${repeat}`);
        return run(`${name}${repeat}`, repeat, null);
      },
    });
    const runs = await interleaved(2, [contender('a'), contender('b')], { warmUp: true });

    expect(order).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
    expect(runs.a.map(({ label }) => label)).toEqual(['a1', 'a2']);
    expect(runs.b.map(({ label }) => label)).toEqual(['b1', 'b2']);
  });
});

describe('repeated ratios', () => {
  it('are judged on the median and shown with their spread', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    const judged = repeatedRatio('r', [0.9, 1.2, 0.96], { atLeast: 0.95 }, times, 'why');
    expect(judged).toMatchObject({ value: 0.96, pass: true, display: '0.96× (median of 3: 0.90×–1.20×)' });
    expect(repeatedRatio('r', [0.9, 1.2, 0.94], { atLeast: 0.95 }, times, 'why')).toMatchObject({
      pass: false,
      reason: 'why',
    });
  });

  it('of router CPU pair each run with the same repeat of the baseline and skip runs without a reading', () => {
    const checked = [run('1', 1, 2.1), run('2', 1, null), run('3', 1, 3)];
    const unchecked = [run('1', 1, 2), run('2', 1, 2), run('3', 1, 0)];
    expect(routerCpuRatios(checked, unchecked)).toEqual([1.05]);
  });
});
