import { Controller, Get, Inject } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { RedisClient } from '../redis/redis-client.js';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators.js';
import { controlConfig } from '../config/app.config.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';

const EMBEDDED_NOTE = 'embedded PostgreSQL (PGlite): one instance only, for trying the service; set DATABASE_URL for a real server';
const IN_PROCESS_NOTE = 'in-process: sessions started here run on this instance only, and a restart loses queued ones';
const QUEUE_DOWN_NOTE = 'the queue lives in Redis, which is unreachable: starting sessions is refused until it is back';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  private embedded?: Promise<boolean>;

  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly dataSource: DataSource,
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient | null,
    @Inject(controlConfig.KEY) private readonly control: ConfigType<typeof controlConfig>,
  ) {}

  /** The process answers: nothing else is checked, so a database outage never restarts instances. */
  @Get('live')
  live(): { status: string } {
    return { status: 'ok' };
  }

  /**
   * 503 while PostgreSQL is unreachable. Redis and the queue are reported as they are, under
   * `error` while down, and never fail readiness: without Redis the service is slower and cannot
   * start sessions on a Redis queue, and every instance would be pulled out of service at once.
   */
  @Get('ready')
  @HealthCheck()
  async ready() {
    const result = await this.health.check([
      () => this.database.pingCheck('postgres', { timeout: 2000 }),
      async () =>
        this.indicators.check('database').up((await this.isEmbedded()) ? { kind: 'embedded', note: EMBEDDED_NOTE } : { kind: 'server' }),
    ]);
    const reported = this.redisAndQueue();
    const withStatus = (status: string) => Object.fromEntries(Object.entries(reported).filter(([, part]) => part.status === status));
    return {
      ...result,
      info: { ...result.info, ...withStatus('up') },
      error: { ...result.error, ...withStatus('down') },
      details: { ...result.details, ...reported },
    };
  }

  private redisAndQueue(): Record<'redis' | 'queue', { status: 'up' | 'down'; [detail: string]: string }> {
    const state = this.redis ? (this.redis.status === 'ready' ? 'up' : 'down') : 'disabled';
    const redis = { status: state === 'down' ? ('down' as const) : ('up' as const), state };
    const kind = this.control.workQueue;
    if (kind === 'in-process') return { redis, queue: { status: 'up', kind, note: IN_PROCESS_NOTE } };
    if (kind === 'redis' && state === 'down') return { redis, queue: { status: 'down', kind, note: QUEUE_DOWN_NOTE } };
    return { redis, queue: { status: 'up', kind } };
  }

  /** PGlite names itself in version(): asked once, whoever started it (this process or a test run's). */
  private isEmbedded(): Promise<boolean> {
    this.embedded ??= this.dataSource
      .query('SELECT version() AS version')
      .then(([row]: { version: string }[]) => row.version.includes('PGlite'))
      .catch(() => {
        this.embedded = undefined; // unknown while unreachable: ask again next time
        return false;
      });
    return this.embedded;
  }
}
