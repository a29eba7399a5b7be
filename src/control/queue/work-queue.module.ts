import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { redisConfig } from '../../config/app.config.js';
import { RedisKeys } from '../../redis/keys.js';
import { queueConnection } from '../../redis/redis-client.js';
import { redisTarget } from '../../redis/redis-target.js';
import { DELIBERATION_QUEUE } from './work.queue.js';

/**
 * BullMQ on the service's Redis, under CONTROL_KEY_PREFIX (hash-tagged: RedisKeys.queuePrefix). Only imported when REDIS_URL is set.
 * Its own connections (BullMQ needs blocking ones) rather than the cache's fail-fast client.
 */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [redisConfig.KEY, RedisKeys],
      useFactory: (redis: ConfigType<typeof redisConfig>, keys: RedisKeys) => ({
        connection: queueConnection(redisTarget(redis.url, redis.cluster)),
        prefix: keys.queuePrefix,
      }),
    }),
    BullModule.registerQueue({ name: DELIBERATION_QUEUE }),
  ],
  exports: [BullModule],
})
export class WorkQueueModule {}
