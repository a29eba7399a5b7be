import { Controller, Get, Inject } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { Public } from '../auth/auth.decorators.js';
import { controlConfig } from '../config/app.config.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';

const EMBEDDED_NOTE = 'embedded PostgreSQL (PGlite): one instance only, for trying the service; set DATABASE_URL for a real server';
const IN_PROCESS_NOTE = 'in-process: sessions started here run on this instance only, and a restart loses queued ones';

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
    @Inject(REDIS_CLIENT) private readonly redis: Redis | null,
    @Inject(controlConfig.KEY) private readonly control: ConfigType<typeof controlConfig>,
  ) {}

  /** The process answers: nothing else is checked, so a database outage never restarts instances. */
  @Get('live')
  live(): { status: string } {
    return { status: 'ok' };
  }

  /**
   * 503 while PostgreSQL is unreachable. Redis is reported, never failed on: without it the service
   * is only slower. An embedded database and an in-process queue say so.
   */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.database.pingCheck('postgres', { timeout: 2000 }),
      async () =>
        this.indicators.check('database').up((await this.isEmbedded()) ? { kind: 'embedded', note: EMBEDDED_NOTE } : { kind: 'server' }),
      () => this.indicators.check('redis').up({ state: this.redis ? (this.redis.status === 'ready' ? 'up' : 'down') : 'disabled' }),
      () =>
        this.indicators
          .check('queue')
          .up(this.control.workQueue === 'in-process' ? { kind: 'in-process', note: IN_PROCESS_NOTE } : { kind: this.control.workQueue }),
    ]);
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
