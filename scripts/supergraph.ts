/** Composition of the four subgraphs' SDL into the supergraph the router serves. */
import { readFileSync } from 'node:fs';
import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { parse, printSchema } from 'graphql';
import { SUBGRAPHS, SUBGRAPH_NAMES } from '../subgraphs/registry.ts';

export function composeSupergraph(): string {
  const result = composeServices(
    SUBGRAPH_NAMES.map((name) => ({
      name,
      url: SUBGRAPHS[name].defaultUrl,
      typeDefs: parse(readFileSync(SUBGRAPHS[name].schemaUrl, 'utf8')),
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
