import { describe, expect, it } from '@jest/globals';
import { LruMap } from './lru-map.ts';

describe('LruMap', () => {
  it('holds at most its capacity, forgetting the least recently used entry first', () => {
    const map = new LruMap<string, number>(3);
    map.set('a', 1);
    map.set('b', 2);
    map.set('c', 3);
    expect(map.get('a')).toBe(1); // a is now the most recently used
    map.set('d', 4);
    expect(map.size).toBe(3);
    expect(map.get('b')).toBeUndefined();
    expect([...map.entries()].map(([key]) => key)).toEqual(['c', 'a', 'd']);
    map.set('c', 30); // setting counts as a use
    map.set('e', 5);
    expect([...map.entries()]).toEqual([
      ['d', 4],
      ['c', 30],
      ['e', 5],
    ]);
  });

  it('stays at its capacity however many distinct keys come', () => {
    const map = new LruMap<number, number>(1_000);
    for (let key = 0; key < 100_000; key++) map.set(key, key);
    expect(map.size).toBe(1_000);
    expect(map.get(99_999)).toBe(99_999);
    expect(map.get(98_999)).toBeUndefined();
  });

  it('with weights, holds at most its capacity in weight: a heavy entry forgets several, one heavier than all is not kept', () => {
    const map = new LruMap<string, number[]>(6, (rows) => rows.length + 1);
    map.set('a', [1]);
    map.set('b', [1, 2]);
    expect(map.weight).toBe(5);
    map.set('c', [1, 2]); // 8 > 6: a, then nothing more
    expect([...map.entries()].map(([key]) => key)).toEqual(['b', 'c']);
    expect(map.weight).toBe(6);
    map.set('b', []); // set again, lighter
    expect(map.weight).toBe(4);
    map.set('huge', [1, 2, 3, 4, 5, 6]); // 7 on its own: not kept, nothing forgotten
    expect([...map.entries()].map(([key]) => key)).toEqual(['c', 'b']);
    map.set('c', [1, 2, 3, 4, 5, 6, 7]); // too heavy: its earlier value goes too
    expect([...map.entries()].map(([key]) => key)).toEqual(['b']);
    map.delete('b');
    expect([map.size, map.weight]).toEqual([0, 0]);
    // Entries that hold nothing still weigh 1: any number of keys stays within the capacity.
    for (let key = 0; key < 1_000; key++) map.set(`empty-${key}`, []);
    expect([map.size, map.weight]).toEqual([6, 6]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new LruMap(0)).toThrow('capacity must be a positive integer');
    expect(() => new LruMap(1.5)).toThrow('capacity must be a positive integer');
  });
});
