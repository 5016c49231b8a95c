// Shared Jest settings for every workspace: TypeScript through ts-jest (the tsconfig's
// isolatedModules makes it transpile each file alone; `npm run typecheck` does the type checking),
// and workspace packages mapped to their sources so tests never depend on a stale build.
const path = require('path');

module.exports = function preset(workspaceDir, overrides = {}) {
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
      '^@ticketing/common$': path.join(__dirname, 'common/src/index.ts'),
      '^@ticketing/testkit$': path.join(__dirname, 'testkit/src/index.ts'),
    },
    moduleFileExtensions: ['ts', 'js', 'json'],
    ...overrides,
  };
};
