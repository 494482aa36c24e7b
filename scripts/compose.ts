/** `npm run compose`: writes schema/supergraph.graphql from the subgraphs' SDL. */
import { writeFileSync } from 'node:fs';
import { DEFAULT_SUPERGRAPH_PATH } from '../router/config.ts';
import { composeSupergraph } from './supergraph.ts';

writeFileSync(DEFAULT_SUPERGRAPH_PATH, composeSupergraph());
process.stdout.write(`composed ${DEFAULT_SUPERGRAPH_PATH}\n`);
