/** How the bench repeats, orders and judges its contenders' runs (scripts/bench/results.ts). */
import { describe, expect, it } from '@jest/globals';
import { interleaved, median, repeatedRatio, routerCpuRatios, times, type Measurement } from './results.ts';

/** Only what these helpers read of a run. */
const run = (label: string, rps: number, routerCpuMsPerRequest: number | null) =>
  ({ label, load: { rps }, routerCpuMsPerRequest }) as unknown as Measurement;

describe('interleaved', () => {
  it('rotates which contender goes first on each repeat and keeps each list in repeat order', async () => {
    const order: string[] = [];
    const contender = (name: 'a' | 'b' | 'c') => ({
      name,
      run: async (repeat: number) => {
        order.push(`${name}${repeat}`);
        return run(`${name}${repeat}`, repeat, null);
      },
    });
    const runs = await interleaved(4, [contender('a'), contender('b'), contender('c')]);

    expect(order).toEqual(['a1', 'b1', 'c1', 'b2', 'c2', 'a2', 'c3', 'a3', 'b3', 'a4', 'b4', 'c4']);
    expect(runs.a.map(({ label }) => label)).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(runs.c.map(({ label }) => label)).toEqual(['c1', 'c2', 'c3', 'c4']);
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

    expect(order).toEqual(['a0', 'b0', 'a1', 'b1', 'b2', 'a2']);
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
