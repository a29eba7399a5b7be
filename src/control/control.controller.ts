import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseInterceptors } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser } from '../auth/auth.decorators.js';
import { SessionResponse } from '../sessions/dto/session.response.js';
import { SessionEtagInterceptor } from '../sessions/session-etag.interceptor.js';
import { SessionIdPipe } from '../sessions/session-id.pipe.js';
import type { TaggedSession } from '../sessions/session.mapper.js';
import { ControlService } from './control.service.js';
import { CompleteSessionDto } from './dto/complete-session.dto.js';
import { FailSessionDto } from './dto/fail-session.dto.js';
import { KillSessionDto } from './dto/kill-session.dto.js';
import { RecordProgressDto } from './dto/record-progress.dto.js';
import { StartSessionDto } from './dto/start-session.dto.js';
import { TransitionListResponse } from './dto/transition.response.js';

const ILLEGAL = 'INVALID_TRANSITION: not allowed from the current status, which the body carries as currentStatus';

@ApiTags('control')
@ApiBearerAuth()
@Controller('sessions')
export class ControlController {
  constructor(private readonly control: ControlService) {}

  @Post(':id/start')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: SessionResponse, description: 'running; the work is queued for a worker' })
  @ApiConflictResponse({ description: ILLEGAL })
  @ApiBadRequestResponse({ description: 'UNKNOWN_HANDLER: `handler` names no registered handler; nothing was changed' })
  @ApiServiceUnavailableResponse({ description: 'WORK_QUEUE_UNAVAILABLE: Redis (the queue) cannot be reached' })
  @UseInterceptors(SessionEtagInterceptor)
  start(@CurrentUser() user: AuthUser, @Param('id', SessionIdPipe) id: string, @Body() dto: StartSessionDto): Promise<TaggedSession> {
    return this.control.start(user.id, id, dto.handler);
  }

  @Post(':id/kill')
  @HttpCode(202)
  @ApiAcceptedResponse({ type: SessionResponse, description: 'killed; the work stops wherever it runs' })
  @ApiConflictResponse({ description: ILLEGAL })
  @UseInterceptors(SessionEtagInterceptor)
  kill(@CurrentUser() user: AuthUser, @Param('id', SessionIdPipe) id: string, @Body() dto: KillSessionDto): Promise<TaggedSession> {
    return this.control.kill(user.id, id, dto.reason);
  }

  @Post(':id/complete')
  @HttpCode(200)
  @ApiOkResponse({ type: SessionResponse })
  @ApiConflictResponse({ description: ILLEGAL })
  @UseInterceptors(SessionEtagInterceptor)
  complete(@CurrentUser() user: AuthUser, @Param('id', SessionIdPipe) id: string, @Body() dto: CompleteSessionDto): Promise<TaggedSession> {
    return this.control.complete(user.id, id, dto);
  }

  @Post(':id/fail')
  @HttpCode(200)
  @ApiOkResponse({ type: SessionResponse })
  @ApiConflictResponse({ description: ILLEGAL })
  @UseInterceptors(SessionEtagInterceptor)
  fail(@CurrentUser() user: AuthUser, @Param('id', SessionIdPipe) id: string, @Body() dto: FailSessionDto): Promise<TaggedSession> {
    return this.control.fail(user.id, id, dto.error);
  }

  @Post(':id/progress')
  @HttpCode(202)
  @ApiAcceptedResponse({ description: 'recorded; visible to GET at once, in PostgreSQL within 5 s' })
  @ApiConflictResponse({ description: 'INVALID_TRANSITION: the session is not running' })
  async progress(@CurrentUser() user: AuthUser, @Param('id', SessionIdPipe) id: string, @Body() dto: RecordProgressDto): Promise<void> {
    await this.control.progress(user.id, id, dto);
  }

  @Get(':id/transitions')
  @ApiOkResponse({ type: TransitionListResponse, description: 'the audit trail, oldest first' })
  async transitions(@CurrentUser() user: AuthUser, @Param('id', SessionIdPipe) id: string): Promise<TransitionListResponse> {
    const items = await this.control.transitions(user.id, id);
    return { items: items.map((item) => ({ ...item, at: item.at.toISOString() })) };
  }

  // Deleting is a status change too (a running session is killed first), so it lives here.
  @Delete(':id')
  @HttpCode(204)
  @ApiTags('sessions')
  @ApiNoContentResponse({ description: 'deleted; the session answers 404 from now on' })
  async remove(@CurrentUser() user: AuthUser, @Param('id', SessionIdPipe) id: string): Promise<void> {
    await this.control.remove(user.id, id);
  }
}
