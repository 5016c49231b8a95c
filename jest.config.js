// One Jest run over every workspace, so `npm test` prints one summary.
module.exports = {
  // A global option: Jest ignores it per project.
  testTimeout: 30000,
  projects: [
    '<rootDir>/mongod-double',
    '<rootDir>/testkit',
    '<rootDir>/common',
    '<rootDir>/auth',
    '<rootDir>/tickets',
    '<rootDir>/orders',
    '<rootDir>/payments',
    '<rootDir>/local-stack',
    '<rootDir>/infra',
    '<rootDir>/system-tests',
    '<rootDir>/scripts',
  ],
};
