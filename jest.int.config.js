// Integration tests: each app and lib against a real PostgreSQL and NATS (JetStream).
// Run through tools/test/with-services.ts, which provides DATABASE_URL / NATS_URL and a run id.
'use strict';
module.exports = {
  ...require('./jest.preset'),
  rootDir: __dirname,
  testMatch: ['**/test/**/*.int-spec.ts'],
  testTimeout: 60000,
  maxWorkers: 2,
};
