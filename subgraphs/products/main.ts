import { runSubgraph } from '../../lib/subgraph.ts';
import { SUBGRAPHS } from '../index.ts';

await runSubgraph(SUBGRAPHS.products);
