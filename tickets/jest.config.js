// One MongoDB replica set (the test double unless TEST_MONGOD=download) for the whole Jest run.
module.exports = require('../jest.preset')(__dirname, {
  globalSetup: '<rootDir>/../testkit/src/jest/mongo-global-setup.ts',
  globalTeardown: '<rootDir>/../testkit/src/jest/mongo-global-teardown.ts',
});
