import { PickType } from '@nestjs/swagger';
import { CreateSessionDto } from './create-session.dto.js';

/** The fields PATCH may change; `metadata` replaces the object whole. */
export class UpdateSessionDto extends PickType(CreateSessionDto, ['title', 'metadata'] as const) {}
