/**
 * @frontrow/sdk: what the web, VR and admin clients share: the typed operations
 * (generated from the supergraph), the Apollo Client factory with session refresh,
 * friendly errors, and the party sync engine. Browser-safe: no Node built-ins.
 */
export * from './sync';
export * from './session';
export * from './client';
export * from './errors';
export * from './generated/graphql';
