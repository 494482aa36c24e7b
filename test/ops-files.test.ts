/**
 * The dashboards and alerts as code (ops/): every metric they query is one the services make, and every
 * alert has its runbook line in docs/operations.md.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const SOURCES = ['lib/metrics.ts', 'router/router-metrics.ts'].map(read).join('\n');

/** The `pharmacy_` metric names a PromQL expression uses, without histogram suffixes. */
function metricNames(expression: string): string[] {
  return [...expression.matchAll(/\bpharmacy_[a-z_]+/g)].map(([name]) =>
    name.replace(/_(bucket|count|sum)$/, ''),
  );
}

/** Whether the services define `name` (ours, or Node's runtime metrics under our prefix). */
const defined = (name: string) => SOURCES.includes(`'${name}'`) || /^pharmacy_(nodejs|process)_/.test(name);

interface RuleFile {
  groups: { rules: { alert: string; expr: string; annotations: { runbook: string } }[] }[];
}

describe('ops/', () => {
  const rules = (parse(read('ops/alerts.yaml')) as RuleFile).groups.flatMap((group) => group.rules);

  it('alerts on metrics the services make, each with a runbook line in the operations docs', () => {
    const operations = read('docs/operations.md');
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining([
        'PharmacyHighErrorRate',
        'PharmacyHighLatency',
        'PharmacyOutboxStuck',
        'PharmacyDeadLetters',
        'PharmacyConsumerLag',
        'PharmacyPodsNotReady',
      ]),
    );
    for (const rule of rules) {
      expect({
        alert: rule.alert,
        undefinedMetrics: metricNames(rule.expr).filter((n) => !defined(n)),
      }).toEqual({
        alert: rule.alert,
        undefinedMetrics: [],
      });
      expect(operations).toContain(`**${rule.alert}**`);
      expect(rule.annotations.runbook).toBe('docs/operations.md#alerts');
    }
  });

  it('has a dashboard whose every panel queries metrics the services make', () => {
    const dashboard = JSON.parse(read('ops/grafana-dashboard.json')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(8);
    for (const panel of dashboard.panels) {
      const names = panel.targets.flatMap((target) => metricNames(target.expr));
      expect(names.length).toBeGreaterThan(0);
      expect({ panel: panel.title, undefinedMetrics: names.filter((n) => !defined(n)) }).toEqual({
        panel: panel.title,
        undefinedMetrics: [],
      });
    }
  });
});
