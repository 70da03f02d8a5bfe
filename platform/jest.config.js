const { project } = require('../jest.preset');
module.exports = {
  testTimeout: 120000,
  projects: [project(__dirname, 'unit', '.test.ts'), project(__dirname, 'e2e', '.e2e.ts')],
};
