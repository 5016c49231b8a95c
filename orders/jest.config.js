// Orders tests need MongoDB: one replica set (the test double unless TEST_MONGOD=download) per run.
module.exports = require('../jest.preset')(__dirname, {
  globalSetup: '<rootDir>/../testkit/src/jest/mongo-global-setup.ts',
  globalTeardown: '<rootDir>/../testkit/src/jest/mongo-global-teardown.ts',
});
