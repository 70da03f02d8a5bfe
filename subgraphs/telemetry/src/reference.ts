/** Telemetry owns no entity that another subgraph refers to by key. */
export const referenceResolvers = {};
