import { describe, expect, it } from '@jest/globals';
import { OperationNames, OTHER_OPERATION, ANONYMOUS_OPERATION, ServiceMetrics } from './metrics.ts';
import { sqlShape } from './telemetry-sdk.ts';

describe('OperationNames', () => {
  it('keeps the first names up to the bound and folds every later one into `other`', () => {
    const names = new OperationNames(2);
    expect(names.label('A')).toBe('A');
    expect(names.label('B')).toBe('B');
    expect(names.label('C')).toBe(OTHER_OPERATION);
    expect(names.label('A')).toBe('A');
    expect(names.label(undefined)).toBe(ANONYMOUS_OPERATION);
  });
});

describe('ServiceMetrics', () => {
  it('serves its own metrics and the runtime metrics labelled with the service', async () => {
    const metrics = new ServiceMetrics('orders');
    metrics.counter({ name: 'pharmacy_test_total', help: 'test', labelNames: ['topic'] }).inc({ topic: 't' });
    const text = await metrics.text();
    expect(text).toContain('pharmacy_test_total{topic="t"} 1');
    expect(text).toMatch(/pharmacy_nodejs_heap_size_used_bytes\{service="orders"\}/);
  });
});

describe('sqlShape', () => {
  it('replaces literals, never identifiers or placeholders', () => {
    expect(
      sqlShape(`update t_1 set address = 'O''Hara St 5', qty = qty + 2 where id = $1 and x = -3.5`),
    ).toBe('update t_1 set address = ?, qty = qty + ? where id = $1 and x = ?');
  });
});
