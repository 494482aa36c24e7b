/** What a subgraph returns for an entity another subgraph owns: its key, resolved by the router. */
export interface EntityReference {
  id: string;
}
