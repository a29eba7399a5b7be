import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from './auth/auth.module.js';
import { CleanupModule } from './cleanup/cleanup.module.js';
import { configNamespaces, databaseConfig } from './config/app.config.js';
import { validateEnv } from './config/env.validation.js';
import { ControlModule } from './control/control.module.js';
import { dataSourceOptions } from './database/data-source-options.js';
import { HealthModule } from './health/health.module.js';
import { MessagesModule } from './messages/messages.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { RedisModule } from './redis/redis.module.js';
import { SessionsModule } from './sessions/sessions.module.js';

@Module({})
export class AppModule {
  /**
   * Built on demand rather than at import time, so that configuration is read when the app is
   * created: tests start several apps with different environments in one process.
   */
  static forRoot(): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, validate: validateEnv, load: configNamespaces }),
        TypeOrmModule.forRootAsync({
          inject: [databaseConfig.KEY],
          useFactory: (database: ConfigType<typeof databaseConfig>) => ({
            ...dataSourceOptions(database.url),
            retryAttempts: 0,
          }),
        }),
        ScheduleModule.forRoot(),
        RedisModule,
        AuthModule,
        HealthModule,
        SessionsModule,
        MessagesModule,
        MetricsModule,
        CleanupModule,
        ControlModule.forRoot(),
      ],
    };
  }
}
