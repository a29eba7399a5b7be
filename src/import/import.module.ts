import { Module } from '@nestjs/common';
import { MessagesModule } from '../messages/messages.module.js';
import { ImportEngine } from './import.engine.js';

/** `npm run import` (scripts/import.ts): the sources are read here, the tables written by their owners. */
@Module({
  imports: [MessagesModule],
  providers: [ImportEngine],
  exports: [ImportEngine],
})
export class ImportModule {}
