/** One jest run over every Node package; TypeScript is compiled by SWC (type checks run in `tsc -b`). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/shared/src', '<rootDir>/sfu/src', '<rootDir>/server/src', '<rootDir>/scripts/bench'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // Tests run against the sources of sibling packages, not their dist/.
  moduleNameMapper: { '^@plenary/(shared|sfu)$': '<rootDir>/$1/src' },
  testTimeout: 60_000,
  // A real redis-server for the tests, started and stopped around the run.
  globalSetup: '<rootDir>/scripts/test/redis-setup.ts',
  globalTeardown: '<rootDir>/scripts/test/redis-teardown.ts',
  setupFilesAfterEnv: ['<rootDir>/scripts/test/fresh-redis.ts'],
  // Media tests share 2 cores with ffmpeg and mediasoup: one test file at a time.
  maxWorkers: 1,
  reporters: ['default', '<rootDir>/scripts/test/summary-reporter.js'],
};
