/**
 * The folders' rules (see README, Layout): features talk to each other through services, never
 * through another feature's repository; the infrastructure folders know no feature; the dashboard
 * (web/) knows the service only through the client package.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-other-features-repository',
      comment: "A feature asks another feature's service; only its own code reaches its repository.",
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/[^/]+/.+[.]repository[.]ts$', pathNot: '^src/$1/' },
    },
    {
      name: 'sessions-written-through-the-store',
      comment: 'Other features write sessions through SessionStore (session.store.ts); SessionWriter orders commits inside sessions/.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/sessions/' },
      to: { path: '^src/sessions/session[.]writer[.]ts$' },
    },
    {
      name: 'infrastructure-imports-no-feature',
      comment: 'common/, config/, redis/ and database/ are shared by every feature, so they depend on none.',
      severity: 'error',
      from: { path: '^src/(common|config|redis|database)/' },
      to: { path: '^src/', pathNot: '^src/(common|config|redis|database)/' },
    },
    {
      name: 'web-imports-no-server-source',
      comment:
        'The dashboard talks only to the public API: what it shares with the service (statuses, the actions each allows, ' +
        'the shapes of answers) comes through @session-store/client, generated from the OpenAPI document.',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^src/' },
    },
    {
      name: 'web-imports-the-client-by-name',
      comment: 'packages/client by its package name, `@session-store/client` (its index is the contract), never by a path into its files.',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^packages/[^/]+/src/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '[.]spec[.]ts$' },
  },
};
