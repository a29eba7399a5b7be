import { Body, Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiGoneResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '../auth/auth-user.js';
import { CurrentUser, RequireRole } from '../auth/auth.decorators.js';
import { CompleteSessionDto } from '../control/dto/complete-session.dto.js';
import { FailSessionDto } from '../control/dto/fail-session.dto.js';
import { RecordProgressDto } from '../control/dto/record-progress.dto.js';
import { AppendMessagesDto } from '../messages/dto/append-messages.dto.js';
import { MessageListResponse } from '../messages/dto/message.response.js';
import { toMessageResponse } from '../messages/message.mapper.js';
import { SessionResponse } from '../sessions/dto/session.response.js';
import { ClaimWorkDto, HeartbeatDto } from './dto/claim-work.dto.js';
import { ClaimResponse, HeartbeatResponse } from './dto/work.response.js';
import { watchHangUp } from './hang-up.js';
import { LeaseActionsService } from './lease-actions.service.js';
import { LeaseIdPipe } from './lease-id.pipe.js';
import { WorkService } from './work.service.js';

const LEFT_RUNNING = 'INVALID_TRANSITION: the session left running (the body carries currentStatus); nothing was changed';
const EXPIRED = 'LEASE_EXPIRED: the lease ran out and its session was failed as lost; nothing was changed';

/** The remote-worker protocol: workers in any language claim sessions of REMOTE_HANDLERS and run them under a lease. */
@ApiTags('work')
@ApiBearerAuth()
@RequireRole('worker')
@ApiNotFoundResponse({
  description: "LEASE_NOT_FOUND: no such lease, or another worker's (a lease belongs to the sub that claimed it); nothing was changed",
})
@Controller('work')
export class WorkController {
  constructor(
    private readonly work: WorkService,
    private readonly actions: LeaseActionsService,
  ) {}

  @Post('claim')
  @HttpCode(200)
  @ApiOkResponse({ type: ClaimResponse, description: 'a session leased to you' })
  @ApiNoContentResponse({ description: 'no work within waitSeconds' })
  async claim(
    @CurrentUser() worker: AuthUser,
    @Body() dto: ClaimWorkDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ClaimResponse | undefined> {
    const hangUp = watchHangUp(request);
    try {
      const claimed = await this.work.claim(worker, dto.handlers, dto.waitSeconds ?? 0, hangUp.signal);
      if (!claimed) void reply.status(204);
      return claimed ?? undefined;
    } finally {
      hangUp.dispose();
    }
  }

  @Post(':leaseId/heartbeat')
  @HttpCode(200)
  @ApiOkResponse({ type: HeartbeatResponse })
  @ApiGoneResponse({ description: EXPIRED })
  heartbeat(
    @CurrentUser() worker: AuthUser,
    @Param('leaseId', LeaseIdPipe) leaseId: string,
    @Body() dto: HeartbeatDto,
  ): Promise<HeartbeatResponse> {
    return this.work.heartbeat(worker, leaseId, dto.waitSeconds ?? 0);
  }

  @Post(':leaseId/messages')
  @ApiCreatedResponse({ type: MessageListResponse })
  @ApiConflictResponse({ description: LEFT_RUNNING })
  @ApiGoneResponse({ description: EXPIRED })
  async messages(
    @CurrentUser() worker: AuthUser,
    @Param('leaseId', LeaseIdPipe) leaseId: string,
    @Body() dto: AppendMessagesDto,
  ): Promise<MessageListResponse> {
    return { items: (await this.actions.append(worker.id, leaseId, dto)).map(toMessageResponse) };
  }

  @Post(':leaseId/progress')
  @HttpCode(202)
  @ApiAcceptedResponse({ description: 'recorded' })
  @ApiConflictResponse({ description: LEFT_RUNNING })
  @ApiGoneResponse({ description: EXPIRED })
  async progress(
    @CurrentUser() worker: AuthUser,
    @Param('leaseId', LeaseIdPipe) leaseId: string,
    @Body() dto: RecordProgressDto,
  ): Promise<void> {
    await this.actions.progress(worker.id, leaseId, dto);
  }

  @Post(':leaseId/complete')
  @HttpCode(200)
  @ApiOkResponse({ type: SessionResponse, description: 'completed; the lease ends' })
  @ApiConflictResponse({ description: LEFT_RUNNING })
  @ApiGoneResponse({ description: EXPIRED })
  complete(
    @CurrentUser() worker: AuthUser,
    @Param('leaseId', LeaseIdPipe) leaseId: string,
    @Body() dto: CompleteSessionDto,
  ): Promise<SessionResponse> {
    return this.actions.complete(worker.id, leaseId, dto);
  }

  @Post(':leaseId/fail')
  @HttpCode(200)
  @ApiOkResponse({ type: SessionResponse, description: 'failed with your error; the lease ends' })
  @ApiConflictResponse({ description: LEFT_RUNNING })
  @ApiGoneResponse({ description: EXPIRED })
  fail(
    @CurrentUser() worker: AuthUser,
    @Param('leaseId', LeaseIdPipe) leaseId: string,
    @Body() dto: FailSessionDto,
  ): Promise<SessionResponse> {
    return this.actions.fail(worker.id, leaseId, dto.error);
  }
}
