import { Controller, Get, Inject } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { Public } from '../auth/auth.decorators.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS_CLIENT) private readonly redis: Redis | null,
  ) {}

  /** The process answers: nothing else is checked, so a database outage never restarts instances. */
  @Get('live')
  live(): { status: string } {
    return { status: 'ok' };
  }

  /** 503 while PostgreSQL is unreachable. Redis is reported, never failed on: without it the service is only slower. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.database.pingCheck('postgres', { timeout: 2000 }),
      () => this.indicators.check('redis').up({ state: this.redis ? (this.redis.status === 'ready' ? 'up' : 'down') : 'disabled' }),
    ]);
  }
}
