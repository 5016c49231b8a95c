module.exports = require('../jest.preset')(__dirname, { mongo: true });
