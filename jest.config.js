// NestJS 12 ships ESM only, so Jest runs in native ESM mode (NODE_OPTIONS in package.json).
const typescript = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
};
// Medium and e2e specs share one database and Redis index per run, claimed once by the global
// setup (Jest runs each distinct setup module once, and only for projects with tests to run).
const withServices = {
  ...typescript,
  globalSetup: '<rootDir>/test/setup/global-setup.mjs',
  globalTeardown: '<rootDir>/test/setup/global-teardown.mjs',
};

/** Three tiers and the browser: `npm run test:unit`, `test:medium`, `test:e2e`, `test:browser` select one; `npm test` runs all. */
export default {
  projects: [
    { ...typescript, displayName: 'unit', roots: ['<rootDir>/src'], testRegex: 'src/.*\\.spec\\.ts$' },
    // The dashboard's pure functions, compiled with its own settings (DOM, bundler resolution).
    {
      ...typescript,
      displayName: 'web',
      roots: ['<rootDir>/web/src'],
      testRegex: 'web/src/.*\\.spec\\.ts$',
      transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/web/tsconfig.json' }] },
    },
    { ...withServices, displayName: 'medium', roots: ['<rootDir>/test'], testRegex: 'test/medium/.*\\.medium-spec\\.ts$' },
    { ...withServices, displayName: 'e2e', roots: ['<rootDir>/test'], testRegex: 'test/.*\\.e2e-spec\\.ts$' },
    // Headless Chromium against the real service (test/browser/chromium.ts): `npm run test:browser`.
    { ...withServices, displayName: 'browser', roots: ['<rootDir>/test'], testRegex: 'test/browser/.*\\.browser-spec\\.ts$' },
  ],
  maxWorkers: 2,
  testTimeout: 60000,
};
