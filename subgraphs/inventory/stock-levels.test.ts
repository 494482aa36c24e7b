/**
 * The pure rules of stock levels and reservations: what counts as low stock, how an order's lines add up
 * per product, and how lots cover them (all or nothing) or which lines they cannot cover.
 */
import { describe, expect, it } from '@jest/globals';
import { planReservation, quantitiesByProduct } from './reservation.service.ts';
import { isLowStock } from './stock-levels.ts';

describe('isLowStock', () => {
  it('is low when the available units are at the reorder level', () => {
    expect(isLowStock({ available: 5, reorderLevel: 5 })).toBe(true);
  });

  it('is low when the available units are below the reorder level', () => {
    expect(isLowStock({ available: 3, reorderLevel: 5 })).toBe(true);
  });

  it('is not low one unit above the reorder level', () => {
    expect(isLowStock({ available: 6, reorderLevel: 5 })).toBe(false);
  });

  it('is low for an empty item whose reorder level is 0 (nothing available is at the level)', () => {
    expect(isLowStock({ available: 0, reorderLevel: 0 })).toBe(true);
  });

  it('is not low for one available unit with reorder level 0', () => {
    expect(isLowStock({ available: 1, reorderLevel: 0 })).toBe(false);
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

describe('planReservation', () => {
  const lot = (name: string, available: number) => ({ name, available });
  const lots = new Map([
    [1, [lot('A', 4), lot('B', 2)]],
    [2, [lot('C', 3)]],
    [3, []],
  ]);
  const drawsOf = (plan: ReturnType<typeof planReservation<{ name: string; available: number }>>) =>
    plan.covered
      ? [...plan.draws].map(([productId, draws]) => [
          productId,
          draws.map((draw) => `${draw.lot.name}:${draw.quantity}`),
        ])
      : plan.shortages;

  it('draws each product from its lots in the order given, splitting a line across lots', () => {
    const plan = planReservation(
      new Map([
        [1, 5],
        [2, 3],
      ]),
      lots,
    );
    expect(plan.covered).toBe(true);
    expect(drawsOf(plan)).toEqual([
      [1, ['A:4', 'B:1']],
      [2, ['C:3']],
    ]);
  });

  it('takes only the first lot when it is enough', () => {
    expect(drawsOf(planReservation(new Map([[1, 4]]), lots))).toEqual([[1, ['A:4']]]);
  });

  it('names exactly the short lines with what was requested and what their lots have available', () => {
    const plan = planReservation(
      new Map([
        [1, 7],
        [2, 3],
        [3, 1],
      ]),
      lots,
    );
    expect(plan).toEqual({
      covered: false,
      shortages: [
        { productId: 1, requested: 7, available: 6 },
        { productId: 3, requested: 1, available: 0 },
      ],
    });
  });

  it('counts a product without lots as 0 available', () => {
    expect(planReservation(new Map([[99, 1]]), lots)).toEqual({
      covered: false,
      shortages: [{ productId: 99, requested: 1, available: 0 }],
    });
  });

  it('judges the summed quantity of a product named on two lines', () => {
    const wanted = quantitiesByProduct([
      { productId: 2, quantity: 2 },
      { productId: 2, quantity: 2 },
    ]);
    expect(planReservation(wanted, lots)).toEqual({
      covered: false,
      shortages: [{ productId: 2, requested: 4, available: 3 }],
    });
  });

  it('covers no lines with nothing drawn', () => {
    expect(planReservation(new Map(), lots)).toEqual({ covered: true, draws: new Map() });
  });
});
