import { type DynamicModule, Module } from '@nestjs/common';
import { webhooksConfig } from '../config/app.config.js';
import { WebhookDeliverer } from './webhook.deliverer.js';
import { WebhookOutbox } from './webhook.outbox.js';

@Module({})
export class WebhooksModule {
  /** Shaped by configuration: nothing without WEBHOOK_URL (or Redis); deliveries only where workers run. */
  static forRoot(): DynamicModule {
    const config = webhooksConfig();
    return {
      module: WebhooksModule,
      providers: [...(config.enabled ? [WebhookOutbox] : []), ...(config.deliver ? [WebhookDeliverer] : [])],
      exports: config.enabled ? [WebhookOutbox] : [],
    };
  }
}
