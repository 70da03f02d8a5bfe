const { project } = require('../../jest.preset');
module.exports = {
  testTimeout: 60000,
  projects: [project(__dirname, 'unit', '.test.ts'), project(__dirname, 'fault', '.fault.ts')],
};
