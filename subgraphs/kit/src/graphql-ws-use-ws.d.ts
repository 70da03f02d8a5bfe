// TypeScript's node10 resolution (tsconfig.base.json) does not read package "exports",
// so graphql-ws's subpath `graphql-ws/use/ws` has no types of its own here; Node itself
// resolves it through the exports map at run time.
declare module 'graphql-ws/use/ws' {
  export { useServer, type Extra } from 'graphql-ws/dist/use/ws';
}
