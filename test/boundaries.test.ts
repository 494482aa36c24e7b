/**
 * The import boundaries (eslint.config.js) hold: lib/ imports no service, a subgraph imports no sibling
 * but through the contracts, the router reads subgraphs only as data and events, and only tests import
 * test code. Each case lints a snippet as if it were a file at that path.
 */
import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

/** The messages of the boundary rule for `code` placed at `filePath`. */
async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? [])
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => message.message);
}

describe('import boundaries', () => {
  it.each([
    ['lib/x.ts', "import { SUBGRAPHS } from '../subgraphs/registry.ts';", 'lib/ holds mechanisms'],
    [
      'lib/event-bus/x.ts',
      "import { createRouter } from '../../router/create-router.ts';",
      'lib/ holds mechanisms',
    ],
    [
      'subgraphs/users/x.ts',
      "import { Order } from '../orders/order.entity.ts';",
      'only through subgraphs/contracts/',
    ],
    [
      'subgraphs/orders/migrations/x.ts',
      "import { Lot } from '../../inventory/lot.entity.ts';",
      'only through subgraphs/contracts/',
    ],
    [
      'subgraphs/products/x.ts',
      "import { SUBGRAPH_DEFINITIONS } from '../index.ts';",
      'import your own definition',
    ],
    [
      'subgraphs/inventory/x.ts',
      "import { createRouter } from '../../router/create-router.ts';",
      'may not import the router',
    ],
    [
      'subgraphs/contracts/x.ts',
      "import { Order } from '../orders/order.entity.ts';",
      'import nothing of a subgraph',
    ],
    [
      'router/x.ts',
      "import { usersSubgraph } from '../subgraphs/users/users.subgraph.ts';",
      'reads subgraphs as data',
    ],
    [
      'router/features/x.ts',
      "import { SUBGRAPH_DEFINITIONS } from '../../subgraphs/index.ts';",
      'reads subgraphs as data',
    ],
    ['scripts/x.ts', "import { sleep } from '../test/support/waiting.ts';", 'Test code is for tests'],
    [
      'scripts/x.ts',
      "import { inventory } from '../subgraphs/inventory/inventory.test-support.ts';",
      'Test code is for tests',
    ],
  ])('refuses in %s: %s', async (filePath, code, reason) => {
    const errors = await boundaryErrors(filePath, `${code}\nexport {};\n`);
    expect(errors).toEqual([expect.stringContaining(reason)]);
  });

  it.each([
    ['subgraphs/orders/x.ts', "import { readInventoryEvent } from '../contracts/inventory-events.ts';"],
    ['subgraphs/orders/x.ts', "import { SUBGRAPHS } from '../registry.ts';"],
    ['subgraphs/orders/migrations/x.ts', "import { Order } from '../order.entity.ts';"],
    ['router/x.ts', "import { SUBGRAPHS } from '../subgraphs/registry.ts';"],
    [
      'router/features/x.ts',
      "import { readInventoryEvent } from '../../subgraphs/contracts/inventory-events.ts';",
    ],
    ['scripts/x.ts', "import { SUBGRAPH_DEFINITIONS } from '../subgraphs/index.ts';"],
    ['subgraphs/orders/x.test.ts', "import { sleep } from '../../test/support/waiting.ts';"],
    ['lib/x.test.ts', "import { sleep } from '../test/support/waiting.ts';"],
  ])('allows in %s: %s', async (filePath, code) => {
    expect(await boundaryErrors(filePath, `${code}\nexport {};\n`)).toEqual([]);
  });
});
