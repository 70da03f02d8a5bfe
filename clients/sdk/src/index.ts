/**
 * @frontrow/sdk: what the web, VR and admin clients share. Pure TypeScript, no DOM,
 * no dependencies.
 */
export * from './sync';
