// An import cannot bring a `declare module` into the packages that import this file; a reference does.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./graphql-ws-use-ws.d.ts" />
/**
 * graphql-ws's server for the `ws` library, for the services that serve subscriptions
 * (presence) or relay them (the gateway). The reference above carries the subpath's
 * types into every package that imports this file.
 */
export { useServer } from 'graphql-ws/use/ws';
