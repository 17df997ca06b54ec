// Shared Jest settings: swc as the build uses it (decorator metadata, which Nest DI needs) and the
// workspace aliases.
'use strict';
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');
const swcConfig = require('./tools/swc.config.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, path.join(__dirname, target)]),
);

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { ...swcConfig, sourceMaps: 'inline' }],
    // jose ships ES modules only; tests that build the gateway in-process load it as CommonJS.
    '/node_modules/jose/.+\\.js$': ['@swc/jest', swcConfig],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper,
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.data/'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.data/'],
};
