// The test helpers' own tests; useMongoose's tests share one replica set for the run.
module.exports = require('../jest.preset')(__dirname, { mongo: true });
