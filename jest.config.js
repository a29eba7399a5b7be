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

/** Three tiers, the browser and the client: `npm run test:unit`, `test:medium`, `test:e2e`, `test:browser`, `test:client`, `test:python` select one; `npm test` runs all. */
export default {
  projects: [
    { ...typescript, displayName: 'unit', roots: ['<rootDir>/src'], testRegex: 'src/.*\\.spec\\.ts$' },
    // The dashboard's pure functions, compiled with its own settings (DOM, bundler resolution).
    {
      ...typescript,
      displayName: 'web',
      roots: ['<rootDir>/web/src'],
      testRegex: 'web/src/.*\\.spec\\.ts$',
      // `@session-store/client` from its sources, as web/tsconfig.json and web/vite.config.js resolve it.
      moduleNameMapper: { ...typescript.moduleNameMapper, '^@session-store/client$': '<rootDir>/packages/client/src/index.ts' },
      transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/web/tsconfig.json' }] },
    },
    { ...withServices, displayName: 'medium', roots: ['<rootDir>/test'], testRegex: 'test/medium/.*\\.medium-spec\\.ts$' },
    { ...withServices, displayName: 'e2e', roots: ['<rootDir>/test'], testRegex: 'test/.*\\.e2e-spec\\.ts$' },
    // Headless Chromium against the real service (test/browser/chromium.ts): `npm run test:browser`.
    { ...withServices, displayName: 'browser', roots: ['<rootDir>/test'], testRegex: 'test/browser/.*\\.browser-spec\\.ts$' },
    // packages/client against the real service (useTestApp), sharing the run's database and Redis index.
    {
      ...withServices,
      displayName: 'client',
      roots: ['<rootDir>/packages/client/test'],
      testRegex: 'packages/client/test/.*\\.e2e-spec\\.ts$',
    },
    // The Python client's pytest suite, each of its tests reported as one (test/python/): `npm run test:python`.
    // It starts the built service with a database and Redis index of its own, so no global setup.
    { ...typescript, displayName: 'python', roots: ['<rootDir>/test/python'], testRegex: 'test/python/.*\\.python-spec\\.ts$' },
  ],
  maxWorkers: 2,
  testTimeout: 60000,
};
