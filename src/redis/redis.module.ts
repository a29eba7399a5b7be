import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { OutageLog } from '../common/log-once.js';
import { redisConfig } from '../config/app.config.js';
import { RedisKeys } from './keys.js';
import { connectTo, type RedisClient } from './redis-client.js';
import { redisTarget } from './redis-target.js';
import { REDIS_CLIENT } from './redis.constants.js';

const logger = new Logger('Redis');

/**
 * The one place that knows how to reach Redis. Commands fail fast while it is down (no offline
 * queue, short timeouts), because the cache must slow the service down, never stall it.
 */
function createClient(config: ConfigType<typeof redisConfig>): RedisClient | null {
  if (!config.url) {
    logger.warn('REDIS_URL is empty: running without a cache');
    return null;
  }
  const client = connectTo(redisTarget(config.url, config.cluster), {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    commandTimeout: 1000,
  });
  const outage = new OutageLog(logger, 'Redis unavailable', 'Redis is back');
  client.on('error', (error) => outage.failed(error));
  client.on('ready', () => outage.recovered());
  return client;
}

@Global()
@Module({
  providers: [
    RedisKeys,
    {
      provide: REDIS_CLIENT,
      inject: [redisConfig.KEY],
      useFactory: (config: ConfigType<typeof redisConfig>) => createClient(config),
    },
  ],
  exports: [REDIS_CLIENT, RedisKeys],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: RedisClient | null) {}

  onApplicationShutdown(): void {
    this.redis?.disconnect();
  }
}
