import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from './auth/auth.module.js';
import { CleanupModule } from './cleanup/cleanup.module.js';
import { ShutdownGate } from './common/shutdown-gate.js';
import { databaseConfig, loadConfig } from './config/app.config.js';
import { type Env, validateEnv } from './config/env.validation.js';
import { ControlModule } from './control/control.module.js';
import { EventsModule } from './events/events.module.js';
import { ExportModule } from './export/export.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { dataSourceOptions } from './database/data-source-options.js';
import { ReadReplicasModule } from './database/read-replicas.module.js';
import { ImportModule } from './import/import.module.js';
import { HealthModule } from './health/health.module.js';
import { LimitsModule } from './limits/limits.module.js';
import { MessagesModule } from './messages/messages.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { RedisModule } from './redis/redis.module.js';
import { SearchModule } from './search/search.module.js';
import { SessionListenersModule } from './session-listeners.module.js';
import { SessionsModule } from './sessions/sessions.module.js';
import { WorkModule } from './remote-workers/work.module.js';

@Module({})
export class AppModule {
  /**
   * Built on demand rather than at import time, so that configuration is read when the app is
   * created: tests start several apps with different environments in one process. The worker and
   * the cleanup script pass the environment they parsed, with their own overrides.
   */
  static forRoot(env: Env = validateEnv(process.env)): DynamicModule {
    const control = ControlModule.forRoot();
    const events = EventsModule.forRoot(env);
    const webhooks = WebhooksModule.forRoot();
    return {
      module: AppModule,
      imports: [
        // No validate option: `env` is already parsed, and every namespace is a view of it.
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: loadConfig(env) }),
        TypeOrmModule.forRootAsync({
          inject: [databaseConfig.KEY],
          useFactory: (database: ConfigType<typeof databaseConfig>) => ({
            ...dataSourceOptions(database.url, database.poolSize, database.timeouts),
            retryAttempts: 0,
          }),
        }),
        ScheduleModule.forRoot(),
        RedisModule,
        ReadReplicasModule,
        AuthModule,
        // After AuthModule: its guard runs first, so the limiter always knows the user.
        LimitsModule.forRoot(env),
        HealthModule,
        SessionsModule,
        MessagesModule,
        SearchModule,
        ExportModule,
        ImportModule,
        MetricsModule,
        CleanupModule,
        control,
        WorkModule.forRoot(control),
        events,
        webhooks,
        // Who listens to sessions: overlays on reads, keys purged with a session's, event sinks.
        SessionListenersModule.forRoot({ control, events, webhooks }),
        DashboardModule.forRoot(env),
      ],
      providers: [ShutdownGate],
    };
  }
}
