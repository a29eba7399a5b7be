import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { CancelChannel } from '../control/queue/cancel.channel.js';

/** One registered wait: `until(ms)` resolves true when woken, false when the time ran out. */
export interface Wait {
  until(ms: number): Promise<boolean>;
  cancel(): void;
}

/**
 * The long polls of this instance: heartbeats waiting for their session to stop, claims waiting
 * for work of their handlers, woken by the control channels (a kill on any instance publishes the
 * session; a start of a remote handler publishes the handler). A wait is registered before its
 * caller looks at the state it waits on, so a change in between still wakes it. When the instance
 * closes, every wait ends at once, so no worker is held by an instance that is going away.
 */
@Injectable()
export class WorkWaits implements OnModuleInit, OnModuleDestroy {
  private readonly stops = new Map<string, Set<() => void>>();
  private readonly claims = new Map<() => void, readonly string[]>();
  private readonly unsubscribe: Array<() => void> = [];
  private closing = false;

  constructor(private readonly channel: CancelChannel) {}

  onModuleInit(): void {
    this.unsubscribe.push(
      this.channel.listen((sessionId) => this.stops.get(sessionId)?.forEach((wake) => wake())),
      this.channel.onReady((handler) => {
        for (const [wake, handlers] of this.claims) if (handlers.includes(handler)) wake();
      }),
    );
  }

  onModuleDestroy(): void {
    this.closing = true;
    this.unsubscribe.forEach((stop) => stop());
    for (const wakes of this.stops.values()) wakes.forEach((wake) => wake());
    for (const wake of this.claims.keys()) wake();
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Woken when the session is told to stop. */
  forStop(sessionId: string): Wait {
    return this.register(
      (wake) => {
        const set = this.stops.get(sessionId) ?? new Set();
        this.stops.set(sessionId, set.add(wake));
      },
      (wake) => {
        const set = this.stops.get(sessionId);
        set?.delete(wake);
        if (set?.size === 0) this.stops.delete(sessionId);
      },
    );
  }

  /** Woken when work of one of the handlers is queued, or when `gone` fires (the claiming client hung up). */
  forWork(handlers: readonly string[], gone?: AbortSignal): Wait {
    return this.register(
      (wake) => this.claims.set(wake, handlers),
      (wake) => this.claims.delete(wake),
      gone,
    );
  }

  private register(add: (wake: () => void) => void, remove: (wake: () => void) => void, gone?: AbortSignal): Wait {
    const woken = new AbortController();
    const wake = () => woken.abort();
    if (this.closing || gone?.aborted) wake();
    else {
      add(wake);
      gone?.addEventListener('abort', wake, { once: true });
    }
    return {
      until: async (ms) => {
        if (woken.signal.aborted) return true;
        return sleep(Math.max(0, ms), false, { signal: woken.signal }).catch(() => true);
      },
      cancel: () => {
        remove(wake);
        gone?.removeEventListener('abort', wake);
      },
    };
  }
}
