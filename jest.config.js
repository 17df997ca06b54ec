// Unit tests: pure logic, no PostgreSQL or NATS. `*.spec.ts` beside the code.
'use strict';
module.exports = {
  ...require('./jest.preset'),
  rootDir: __dirname,
  testMatch: ['**/*.spec.ts'],
};
