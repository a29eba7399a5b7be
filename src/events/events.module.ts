import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { eventsConfig } from '../config/app.config.js';
import type { Env } from '../config/env.validation.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { EventFeedReader } from './event-feed.reader.js';
import { EventLog } from './event-log.js';
import { EventPublisher } from './event.publisher.js';
import { EventFeed, EventStore } from './event-store.js';
import { EventsController } from './events.controller.js';
import { EventsService } from './events.service.js';
import { InProcessEvents } from './in-process-events.js';
import { StreamSlots } from './stream-slots.js';

// Redis Streams, followed by one reader per instance; with no Redis and no claim to be the only
// instance (eventsConfig `log: 'none'`), the same classes without a client: the routes answer 503.
const REDIS_EVENTS: Provider[] = [
  EventLog,
  EventFeedReader,
  { provide: EventStore, useExisting: EventLog },
  { provide: EventFeed, useExisting: EventFeedReader },
];
// The one instance without Redis: one object keeps the events and hands them to its streams.
const IN_PROCESS_EVENTS: Provider[] = [
  InProcessEvents,
  { provide: EventStore, useExisting: InProcessEvents },
  { provide: EventFeed, useExisting: InProcessEvents },
];

/** What happened to sessions, appended after each commit and served as SSE: in Redis Streams, or in process. */
@Module({})
export class EventsModule {
  static forRoot(env: Env): DynamicModule {
    const { log } = eventsConfig.of(env)();
    return {
      module: EventsModule,
      imports: [SessionsModule],
      controllers: [EventsController],
      providers: [...(log === 'in-process' ? IN_PROCESS_EVENTS : REDIS_EVENTS), EventPublisher, StreamSlots, EventsService],
      exports: [EventPublisher],
    };
  }
}
