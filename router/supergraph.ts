/** Composition of the four subgraphs' SDL into the supergraph the router serves. */
import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { printSchema } from 'graphql';
import { SUBGRAPHS, SUBGRAPH_NAMES } from '../subgraphs/index.ts';

/** The subgraph URLs composed into the supergraph: the default local ports; deployments override them. */
export function defaultSubgraphUrl(port: number): string {
  return `http://localhost:${port}/graphql`;
}

export function composeSupergraph(): string {
  const result = composeServices(
    SUBGRAPH_NAMES.map((name) => ({
      name,
      url: defaultSubgraphUrl(SUBGRAPHS[name].defaultPort),
      typeDefs: SUBGRAPHS[name].typeDefs,
    })),
  );
  if (result.errors) {
    throw new Error(
      `composition failed:\n${result.errors.map((error) => `  - ${error.message}`).join('\n')}`,
    );
  }
  return result.supergraphSdl;
}

/** The API schema of a supergraph (what clients see: no join directives, nothing inaccessible), as SDL. */
export function apiSchemaSdl(supergraphSdl: string): string {
  return printSchema(Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema());
}
