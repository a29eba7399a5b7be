import { Global, Module } from '@nestjs/common';
import { ReadReplicas } from './read-replicas.js';

/** The read replicas (DATABASE_READ_URL), one set per instance, for every feature's reads and SessionWriter's commits. */
@Global()
@Module({ providers: [ReadReplicas], exports: [ReadReplicas] })
export class ReadReplicasModule {}
