// The double's own suite: one replica set of the double (or a real mongod with TEST_MONGOD=download) per run.
module.exports = require('../jest.preset')(__dirname, { mongo: true });
