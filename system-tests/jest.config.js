// System tests: the real local stack (MongoDB test double, nats-server, every service as a process,
// the gateway) driven through HTTP only. They run the built services: `npm test` builds first.
module.exports = require('../jest.preset')(__dirname, {
  displayName: 'system',
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
});
