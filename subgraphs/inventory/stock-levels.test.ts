/**
 * The pure rules of stock levels and reservations: available units, what counts as low stock, when a change
 * is a fall to the reorder level (announced once per crossing), how an order's lines add up per product,
 * and which of them the stock cannot cover.
 */
import { describe, expect, it } from '@jest/globals';
import { quantitiesByProduct, shortagesFor } from './reservation.service.ts';
import { availableUnits, fellToReorderLevel, isLowStock } from './stock-levels.ts';

describe('availableUnits', () => {
  it.each([
    [10, 0, 10],
    [10, 3, 7],
    [10, 10, 0],
    [0, 0, 0],
  ])('is quantity %d minus reserved %d = %d', (quantity, reserved, available) => {
    expect(availableUnits({ quantity, reserved })).toBe(available);
  });
});

describe('isLowStock', () => {
  it('is low when the available units are at the reorder level', () => {
    expect(isLowStock({ quantity: 10, reserved: 5, reorderLevel: 5 })).toBe(true);
  });

  it('is low when the available units are below the reorder level', () => {
    expect(isLowStock({ quantity: 10, reserved: 7, reorderLevel: 5 })).toBe(true);
  });

  it('is not low one unit above the reorder level', () => {
    expect(isLowStock({ quantity: 10, reserved: 4, reorderLevel: 5 })).toBe(false);
  });

  it('counts reserved units as gone: a full shelf entirely reserved is low', () => {
    expect(isLowStock({ quantity: 100, reserved: 100, reorderLevel: 0 })).toBe(true);
  });

  it('is low for an empty item whose reorder level is 0 (nothing available is at the level)', () => {
    expect(isLowStock({ quantity: 0, reserved: 0, reorderLevel: 0 })).toBe(true);
  });

  it('is not low for one available unit with reorder level 0', () => {
    expect(isLowStock({ quantity: 1, reserved: 0, reorderLevel: 0 })).toBe(false);
  });
});

describe('fellToReorderLevel', () => {
  const level = (quantity: number, reserved: number, reorderLevel = 5) => ({
    quantity,
    reserved,
    reorderLevel,
  });

  it('is true when a reservation takes the available units from above the level to exactly it', () => {
    expect(fellToReorderLevel(level(10, 4), level(10, 5))).toBe(true);
  });

  it('is true when a change jumps from above the level to below it', () => {
    expect(fellToReorderLevel(level(10, 0), level(10, 9))).toBe(true);
  });

  it('is true when units leave the shelf by hand down to the level', () => {
    expect(fellToReorderLevel(level(10, 0), level(5, 0))).toBe(true);
  });

  it('is false for a change that stays above the level', () => {
    expect(fellToReorderLevel(level(10, 0), level(10, 4))).toBe(false);
  });

  it('is false for a further fall once at the level (one alert per crossing)', () => {
    expect(fellToReorderLevel(level(10, 5), level(10, 7))).toBe(false);
  });

  it('is false for a further fall once below the level', () => {
    expect(fellToReorderLevel(level(10, 7), level(10, 9))).toBe(false);
  });

  it('is false for a rise from below the level back above it', () => {
    expect(fellToReorderLevel(level(10, 7), level(10, 3))).toBe(false);
  });

  it('is false for a change that leaves an item at the level where it was', () => {
    expect(fellToReorderLevel(level(10, 5), level(8, 3))).toBe(false);
  });

  it('is true when the reorder level is raised above the available units', () => {
    expect(fellToReorderLevel(level(10, 0, 5), level(10, 0, 12))).toBe(true);
  });

  it('is true when the reorder level is raised to exactly the available units', () => {
    expect(fellToReorderLevel(level(10, 2, 5), level(10, 2, 8))).toBe(true);
  });

  it('is false when the reorder level is lowered', () => {
    expect(fellToReorderLevel(level(10, 2, 9), level(10, 2, 3))).toBe(false);
  });

  it('is true when the last available unit goes with reorder level 0', () => {
    expect(fellToReorderLevel(level(10, 9, 0), level(10, 10, 0))).toBe(true);
  });
});

describe('quantitiesByProduct', () => {
  it('sums the lines of a product named twice', () => {
    const totals = quantitiesByProduct([
      { productId: 7, quantity: 2 },
      { productId: 3, quantity: 1 },
      { productId: 7, quantity: 5 },
    ]);
    expect([...totals]).toEqual([
      [3, 1],
      [7, 7],
    ]);
  });

  it('sums a product named three times among others', () => {
    const totals = quantitiesByProduct([
      { productId: 1, quantity: 1 },
      { productId: 2, quantity: 4 },
      { productId: 1, quantity: 2 },
      { productId: 1, quantity: 3 },
    ]);
    expect(totals.get(1)).toBe(6);
    expect(totals.get(2)).toBe(4);
    expect(totals.size).toBe(2);
  });

  it('lists the products in product-id order, whatever the order of the lines', () => {
    const totals = quantitiesByProduct([
      { productId: 30, quantity: 1 },
      { productId: 4, quantity: 1 },
      { productId: 200, quantity: 1 },
      { productId: 15, quantity: 1 },
    ]);
    expect([...totals.keys()]).toEqual([4, 15, 30, 200]);
  });

  it('leaves the lines it was given in their order', () => {
    const lines = [
      { productId: 9, quantity: 1 },
      { productId: 2, quantity: 3 },
    ];
    quantitiesByProduct(lines);
    expect(lines).toEqual([
      { productId: 9, quantity: 1 },
      { productId: 2, quantity: 3 },
    ]);
  });

  it('is empty for no lines', () => {
    expect(quantitiesByProduct([]).size).toBe(0);
  });
});

describe('shortagesFor', () => {
  const items = new Map([
    [1, { quantity: 10, reserved: 4 }],
    [2, { quantity: 3, reserved: 0 }],
    [3, { quantity: 5, reserved: 5 }],
  ]);

  it('is empty when every line is covered, one exactly', () => {
    expect(
      shortagesFor(
        new Map([
          [1, 6],
          [2, 1],
        ]),
        items,
      ),
    ).toEqual([]);
  });

  it('names exactly the short lines with what was requested and what is available', () => {
    expect(
      shortagesFor(
        new Map([
          [1, 7],
          [2, 3],
          [3, 1],
        ]),
        items,
      ),
    ).toEqual([
      { productId: 1, requested: 7, available: 6 },
      { productId: 3, requested: 1, available: 0 },
    ]);
  });

  it('counts a product without an item as 0 available', () => {
    expect(
      shortagesFor(
        new Map([
          [2, 2],
          [99, 1],
        ]),
        items,
      ),
    ).toEqual([{ productId: 99, requested: 1, available: 0 }]);
  });

  it('judges the summed quantity of a product named on two lines', () => {
    const wanted = quantitiesByProduct([
      { productId: 2, quantity: 2 },
      { productId: 2, quantity: 2 },
    ]);
    expect(shortagesFor(wanted, items)).toEqual([{ productId: 2, requested: 4, available: 3 }]);
  });

  it('is empty for no lines', () => {
    expect(shortagesFor(new Map(), items)).toEqual([]);
  });
});
