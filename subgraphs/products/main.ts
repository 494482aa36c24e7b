import { runSubgraph } from '../../lib/subgraph.ts';
import { productsSubgraph } from './products.subgraph.ts';

await runSubgraph(productsSubgraph);
