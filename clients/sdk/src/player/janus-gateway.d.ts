// janus-gateway (Meetecho's janus.js) ships no types; the player uses a small part of it.
declare module 'janus-gateway' {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Any = any;
  class Janus {
    constructor(options: Any);
    attach(options: Any): void;
    destroy(options?: Any): void;
    static init(options: Any): void;
    static useDefaultDependencies(deps?: Any): Any;
  }
  // eslint-disable-next-line no-restricted-syntax
  export default Janus;
}
