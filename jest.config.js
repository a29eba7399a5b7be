// NestJS 12 ships ESM only, so Jest runs in native ESM mode (NODE_OPTIONS in package.json).
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  testRegex: ['src/.*\\.spec\\.ts$', 'test/.*\\.e2e-spec\\.ts$', 'test/medium/.*\\.medium-spec\\.ts$'],
  globalSetup: '<rootDir>/test/setup/global-setup.mjs',
  maxWorkers: 2,
  testTimeout: 60000,
};
