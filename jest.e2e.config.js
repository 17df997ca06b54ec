// End-to-end: boots all five apps (built into dist/) and drives them through the gateway over HTTP.
'use strict';
module.exports = {
  ...require('./jest.preset'),
  rootDir: __dirname,
  roots: ['<rootDir>/e2e'],
  globalSetup: '<rootDir>/e2e/global-setup.ts',
  testMatch: ['**/*.e2e-spec.ts'],
  testTimeout: 120000,
  maxWorkers: 1,
};
