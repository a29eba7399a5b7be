import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module.js';
import { EventFeedReader } from './event-feed.reader.js';
import { EventLog } from './event-log.js';
import { EventPublisher } from './event.publisher.js';
import { EventsController } from './events.controller.js';
import { EventsService } from './events.service.js';
import { StreamSlots } from './stream-slots.js';

/** What happened to sessions, as Redis Streams: appended after each commit, served as SSE. */
@Module({
  imports: [SessionsModule],
  controllers: [EventsController],
  providers: [EventLog, EventPublisher, EventFeedReader, StreamSlots, EventsService],
  exports: [EventPublisher],
})
export class EventsModule {}
