/** Gives back the database and Redis index global-setup.mjs claimed (it ran in this process). */
export default async function globalTeardown() {
  const claimed = globalThis.__sessionStoreTestRun ?? [];
  const results = await Promise.allSettled(claimed.map((resource) => resource.release()));
  const failed = results.find((result) => result.status === 'rejected');
  if (failed) throw failed.reason;
}
