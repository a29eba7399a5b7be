import { type DynamicModule, Module } from '@nestjs/common';
import { LiveProgressCache } from './control/live-progress/live-progress.cache.js';
import { EventPublisher } from './events/event.publisher.js';
import { HistoryTailCache } from './messages/history-tail.cache.js';
import { MessagesModule } from './messages/messages.module.js';
import { SESSION_KEY_OWNERS, type SessionKeyOwner } from './sessions/session.cache.js';
import { SESSION_EVENT_SINKS, type SessionEventSink } from './sessions/session-events.js';
import { SESSION_OVERLAYS, type SessionOverlay } from './sessions/sessions.service.js';
import { WebhookOutbox } from './webhooks/webhook.outbox.js';

/**
 * Who listens to sessions, in one place: sessions/ declares three lists (tokens) and the features
 * below fill them. Reads show each overlay (SessionsService.overlay); removing a session purges
 * each key owner's keys with its own (SessionCache.purge); every committed change reaches each
 * event sink (SessionEvents.publish).
 *
 * Global, and exporting only the three tokens: the features import SessionsModule, so it cannot
 * import them (or this module) back; its providers find the lists in the global scope instead.
 */
@Module({})
export class SessionListenersModule {
  /** `control`, `events` and `webhooks` are the very modules the app imports (Nest tells dynamic modules apart by reference). */
  static forRoot(features: { control: DynamicModule; events: DynamicModule; webhooks: DynamicModule }): DynamicModule {
    return {
      module: SessionListenersModule,
      global: true,
      imports: [features.control, MessagesModule, features.events, features.webhooks],
      providers: [
        {
          provide: SESSION_OVERLAYS,
          inject: [LiveProgressCache],
          useFactory: (live: LiveProgressCache): SessionOverlay[] => [live],
        },
        {
          provide: SESSION_KEY_OWNERS,
          inject: [LiveProgressCache, HistoryTailCache],
          useFactory: (live: LiveProgressCache, tails: HistoryTailCache): SessionKeyOwner[] => [live, tails],
        },
        {
          provide: SESSION_EVENT_SINKS,
          // The streams only with a place to keep them (Redis, or the one instance's memory); the outbox only with WEBHOOK_URL (WebhooksModule provides it then).
          inject: [EventPublisher, { token: WebhookOutbox, optional: true }],
          useFactory: (streams: EventPublisher, webhooks?: WebhookOutbox): SessionEventSink[] => [
            ...(streams.enabled ? [streams] : []),
            ...(webhooks ? [webhooks] : []),
          ],
        },
      ],
      exports: [SESSION_OVERLAYS, SESSION_KEY_OWNERS, SESSION_EVENT_SINKS],
    };
  }
}
