import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { controlConfig } from '../../config/app.config.js';
import { staleTiming } from '../../config/stale-timing.js';
import type { SessionStore } from '../../sessions/session.store.js';
import type { ControlService } from '../control.service.js';
import { LostWorkerSweeper } from './lost-worker.sweeper.js';
import type { WorkQueue } from './work.queue.js';

describe('LostWorkerSweeper', () => {
  const STALE_SECONDS = 60;
  let warnings: string[];

  beforeEach(() => {
    warnings = [];
    jest.useFakeTimers();
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('logs each session its timed passes fail as lost, naming it', async () => {
    const silent = ['lost-1'];
    const rows = { findSilentRunning: async () => silent.splice(0), heartbeat: async () => [] } as unknown as SessionStore;
    const control = { move: async () => ({ from: 'running' }), stopWork: async () => undefined } as unknown as ControlService;
    const queue = { available: true, isQueued: async () => false } as unknown as WorkQueue;
    const config = { staleAfterSeconds: STALE_SECONDS } as ConfigType<typeof controlConfig>;
    const sut = new LostWorkerSweeper(rows, control, queue, config);

    sut.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(staleTiming(STALE_SECONDS).sweepMs);
    sut.onModuleDestroy();

    expect(warnings.filter((line) => line.includes('lost-1'))).toEqual([expect.stringContaining('worker lost')]);
  });
});
