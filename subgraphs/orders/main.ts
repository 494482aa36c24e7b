import { runSubgraph } from '../../lib/subgraph.ts';
import { ordersSubgraph } from './orders.subgraph.ts';

await runSubgraph(ordersSubgraph);
