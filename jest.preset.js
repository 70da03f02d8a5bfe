// Shared Jest settings: SWC compiles TypeScript with legacy decorators and their
// metadata (type-graphql and MikroORM read it), the same way the runtime does.
const path = require('node:path');
const fs = require('node:fs');

const swc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
delete swc.$schema;

// The OTLP exporter loads node:http with import(), which Jest's module sandbox cannot
// run without an experimental flag: Jest compiles that one package's import() to
// require() (Node runs the package as published).
const OTLP_BASE = '[\\\\/]@opentelemetry[\\\\/]otlp-exporter-base[\\\\/]';
const transform = {
  '^.+\\.ts$': ['@swc/jest', swc],
  [`${OTLP_BASE}.+\\.js$`]: ['@swc/jest', { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs', ignoreDynamic: false } }],
};
const transformIgnorePatterns = [`^(?!.*${OTLP_BASE}).*[\\\\/]node_modules[\\\\/]`];

/** One Jest project per test-file suffix, as STYLE.md asks. */
function project(dir, name, suffix, extra = {}) {
  return {
    displayName: name,
    rootDir: dir,
    testEnvironment: 'node',
    transform,
    transformIgnorePatterns,
    testMatch: [`<rootDir>/{src,test}/**/*${suffix}`],
    setupFiles: [path.join(__dirname, 'jest.setup.js')],
    globalSetup: path.join(__dirname, 'jest.global-setup.js'),
    globalTeardown: path.join(__dirname, 'jest.global-teardown.js'),
    ...extra,
  };
}

module.exports = { project, transform };
