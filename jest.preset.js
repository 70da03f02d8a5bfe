// Shared Jest settings: SWC compiles TypeScript with legacy decorators and their
// metadata (type-graphql and MikroORM read it), the same way the runtime does.
const path = require('node:path');
const fs = require('node:fs');

const swc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
delete swc.$schema;

const transform = { '^.+\\.ts$': ['@swc/jest', swc] };

/** One Jest project per test-file suffix, as STYLE.md asks. */
function project(dir, name, suffix, extra = {}) {
  return {
    displayName: name,
    rootDir: dir,
    testEnvironment: 'node',
    transform,
    testMatch: [`<rootDir>/{src,test}/**/*${suffix}`],
    setupFiles: [path.join(__dirname, 'jest.setup.js')],
    globalSetup: path.join(__dirname, 'jest.global-setup.js'),
    globalTeardown: path.join(__dirname, 'jest.global-teardown.js'),
    ...extra,
  };
}

module.exports = { project, transform };
