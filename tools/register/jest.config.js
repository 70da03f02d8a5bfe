const { project } = require('../../jest.preset');
module.exports = { testTimeout: 60000, projects: [project(__dirname, 'unit', '.test.ts')] };
