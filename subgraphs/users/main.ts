import { runSubgraph } from '../../lib/subgraph.ts';
import { usersSubgraph } from './users.subgraph.ts';

await runSubgraph(usersSubgraph);
