export * from './janus';
export * from './test-source';
