// One Jest run over every workspace, so `npm test` prints one summary.
module.exports = {
  projects: ['<rootDir>/testkit', '<rootDir>/common', '<rootDir>/auth', '<rootDir>/tickets', '<rootDir>/orders', '<rootDir>/infra'],
};
