// System tests: the real local stack (MongoDB test double, nats-server, the three services as
// processes, the gateway) driven through HTTP only. They run the built services: `npm test` builds first.
const path = require('path');

module.exports = require('../../jest.preset')(__dirname, {
  displayName: 'system',
  testMatch: ['<rootDir>/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, '..', 'tsconfig.json') }],
  },
});
