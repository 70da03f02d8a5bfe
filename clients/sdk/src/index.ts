/**
 * @frontrow/sdk: what the web, VR and admin clients share: the typed operations
 * (generated from the supergraph), the Apollo Client factory with session refresh,
 * friendly errors, and the party sync engine. Browser-safe: no Node built-ins.
 *
 * The 360 player's parts (`src/player/`: the Janus feed player, the video sphere, looking
 * around, the party timeline, the telemetry reporter) are imported by path, e.g.
 * `@frontrow/sdk/src/player/sphere`, so that three.js and janus-gateway stay out of a
 * client's first load; the web portal and the VR client both use them.
 */
export * from './sync';
export * from './party-room';
export * from './session';
export * from './client';
export * from './errors';
export * from './generated/graphql';
