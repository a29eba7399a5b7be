import { TooManyReadsError } from '../common/domain-error.js';

export interface ReadGateLimits {
  /** Reads of one user running at once. */
  perUser: number;
  /** Reads running at once in this instance: with the per-read byte bound, this bounds memory. */
  total: number;
  /** Reads of one user waiting for their turn; beyond, 429. */
  queuedPerUser: number;
  /** Reads waiting in this instance; beyond, 429. */
  queuedTotal: number;
  /** A read that waited this long gives up with 429 (the client retries; the socket is not held). */
  maxWaitMs: number;
}

interface Waiter {
  user: string;
  admit: (release: () => void) => void;
  refuse: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * Admission of heavy reads, per instance: a user gets at most `perUser` at once, everyone together
 * at most `total`, and a short queue in arrival order behind that. Whoever waits behind a busy
 * user does not wait for that user: the first waiter that may run, runs. One user's reads can
 * therefore neither take every connection of the pool nor hold the memory of many large pages.
 * (p-limit and p-queue bound one queue; a per-user bound inside a global one needs this much anyway.)
 */
export class ReadGate {
  private readonly runningBy = new Map<string, number>();
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly limits: ReadGateLimits,
    // What a refused caller gets (a fork's gate names forks).
    private readonly refusal: () => Error = () => new TooManyReadsError(),
  ) {}

  /** Resolves with the release of the admitted read (call it once, when done); throws TooManyReadsError. */
  enter(user: string): Promise<() => void> {
    if (this.mayRun(user)) return Promise.resolve(this.start(user));
    const queuedByUser = this.waiting.filter((waiter) => waiter.user === user).length;
    if (this.waiting.length >= this.limits.queuedTotal || queuedByUser >= this.limits.queuedPerUser) {
      return Promise.reject(this.refusal());
    }
    return new Promise((admit, refuse) => {
      const waiter: Waiter = { user, admit, refuse, timer: setTimeout(() => this.giveUp(waiter), this.limits.maxWaitMs).unref() };
      this.waiting.push(waiter);
    });
  }

  private mayRun(user: string): boolean {
    return this.running < this.limits.total && (this.runningBy.get(user) ?? 0) < this.limits.perUser;
  }

  private start(user: string): () => void {
    this.running += 1;
    this.runningBy.set(user, (this.runningBy.get(user) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running -= 1;
      const left = this.runningBy.get(user)! - 1;
      if (left === 0) this.runningBy.delete(user);
      else this.runningBy.set(user, left);
      this.admitWaiters();
    };
  }

  private admitWaiters(): void {
    for (let i = 0; i < this.waiting.length && this.running < this.limits.total;) {
      const waiter = this.waiting[i];
      if (!this.mayRun(waiter.user)) {
        i += 1;
        continue;
      }
      this.waiting.splice(i, 1);
      clearTimeout(waiter.timer);
      waiter.admit(this.start(waiter.user));
    }
  }

  private giveUp(waiter: Waiter): void {
    const index = this.waiting.indexOf(waiter);
    if (index < 0) return;
    this.waiting.splice(index, 1);
    waiter.refuse(this.refusal());
  }
}
