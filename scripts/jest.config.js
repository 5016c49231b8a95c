// The repository's own tooling: the architecture rules.
module.exports = require('../jest.preset')(__dirname, { testMatch: ['<rootDir>/test/**/*.test.ts'] });
