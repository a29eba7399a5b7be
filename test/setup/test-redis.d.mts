/** Types of test-redis.mjs, for the specs that claim an index of their own (test/utils/own-redis-index.ts). */
export function claimRedisIndex(): Promise<{ url: string; release: () => Promise<unknown> }>;
