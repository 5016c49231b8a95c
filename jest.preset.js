// Shared Jest settings for every workspace: TypeScript through ts-jest (the tsconfig's
// isolatedModules makes it transpile each file alone; `npm run typecheck` does the type checking),
// and workspace packages mapped to their sources so tests never depend on a stale build.
const path = require('path');

const MONGO_SETUP = {
  globalSetup: path.join(__dirname, 'mongod-double/src/jest/global-setup.ts'),
  globalTeardown: path.join(__dirname, 'mongod-double/src/jest/global-teardown.ts'),
};

/** `{ mongo: true }`: one MongoDB replica set (the double unless TEST_MONGOD=download) for the whole run. */
module.exports = function preset(workspaceDir, { mongo = false, ...overrides } = {}) {
  const name = path.basename(workspaceDir);
  return {
    displayName: name,
    rootDir: workspaceDir,
    testEnvironment: 'node',
    testMatch: ['<rootDir>/src/**/__tests__/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
    transform: {
      '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(workspaceDir, 'tsconfig.json') }],
    },
    moduleNameMapper: {
      '^@ticketing/common/(.*)$': path.join(__dirname, 'common/src/$1/index.ts'),
      '^@ticketing/testkit/sessions$': path.join(__dirname, 'testkit/src/sessions.ts'),
      '^@ticketing/testkit$': path.join(__dirname, 'testkit/src/index.ts'),
      '^@ticketing/mongod-double$': path.join(__dirname, 'mongod-double/src/index.ts'),
      '^@ticketing/local-stack$': path.join(__dirname, 'local-stack/src/index.ts'),
    },
    moduleFileExtensions: ['ts', 'js', 'json'],
    ...(mongo ? MONGO_SETUP : {}),
    ...overrides,
  };
};
