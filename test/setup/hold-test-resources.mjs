// For test suites outside Jest (the Python client's): claims a database and a Redis index as a
// Jest run does (test-database.mjs, test-redis.mjs), prints them as one JSON line, and gives them
// back when its standard input closes (its parent ended, however it ended).
import { claimDatabase } from './test-database.mjs';
import { claimRedisIndex } from './test-redis.mjs';

const claimed = [];
const release = async () => {
  await Promise.allSettled(claimed.map((resource) => resource.release()));
  process.exit(0);
};
try {
  const database = await claimDatabase();
  claimed.push(database);
  const redis = await claimRedisIndex();
  claimed.push(redis);
  process.stdout.write(`${JSON.stringify({ databaseUrl: database.url, redisUrl: redis.url })}\n`);
} catch (error) {
  await Promise.allSettled(claimed.map((resource) => resource.release()));
  console.error(String(error?.stack ?? error));
  process.exit(1);
}
process.stdin.on('end', release).on('error', release).resume();
for (const signal of ['SIGTERM', 'SIGINT']) process.once(signal, release);
