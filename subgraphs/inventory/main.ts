import { runSubgraph } from '../../lib/subgraph.ts';
import { inventorySubgraph } from './inventory.subgraph.ts';

await runSubgraph(inventorySubgraph);
