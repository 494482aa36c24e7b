/** Committed generated files must match what the generators produce from the current SDL. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { generate } from '@graphql-codegen/cli';
import codegenConfig from '../codegen.ts';
import { DEFAULT_SUPERGRAPH_PATH } from '../router/config.ts';
import { composeSupergraph } from '../scripts/supergraph.ts';

describe('generated files are current (run `npm run compose` and `npm run codegen` after a schema change)', () => {
  it('schema/supergraph.graphql is the composition of the subgraph SDL files', () => {
    expect(readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8')).toBe(composeSupergraph());
  });

  it('the codegen outputs match their committed files', async () => {
    const outputs: { filename: string; content: string }[] = await generate(
      { ...codegenConfig, silent: true },
      false,
    );
    expect(outputs.length).toBeGreaterThanOrEqual(4);
    for (const { filename, content } of outputs) {
      expect({ filename, content: readFileSync(filename, 'utf8') }).toEqual({ filename, content });
    }
  });

  it("docs/sdk.md's SDK example is examples/place-an-order.ts, which the typecheck compiles", () => {
    const example = readFileSync(new URL('../examples/place-an-order.ts', import.meta.url), 'utf8');
    const page = readFileSync(new URL('../docs/sdk.md', import.meta.url), 'utf8');
    expect(page).toContain(`\`\`\`ts\n${example}\`\`\``);
  });
});
