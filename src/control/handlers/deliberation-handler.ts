import type { SessionResponse } from '../../sessions/dto/session.response.js';

export type HandlerSession = Omit<SessionResponse, 'context' | 'metadata'> & {
  context: Record<string, unknown>;
  metadata: Record<string, unknown>;
};

export interface ProgressReport {
  phase?: string;
  roundNumber?: number;
  /** Added to the session's totalCost (>= 0). */
  costDelta?: number;
}

export interface MessageToAppend {
  role: string;
  content: unknown;
  metadata?: Record<string, unknown>;
}

/** What a handler gets for one run. Every call after the session stopped running throws WorkStoppedError. */
export interface DeliberationContext {
  /** The session as GET shows it, with `context` and `metadata` parsed into JS values. */
  readonly session: Readonly<HandlerSession>;
  /** Fires when the session is killed (or otherwise leaves `running`) wherever the kill came from. */
  readonly signal: AbortSignal;
  progress(report: ProgressReport): Promise<void>;
  appendMessages(items: MessageToAppend[]): Promise<void>;
}

export interface DeliberationResult {
  synthesisText?: string;
  finalRecommendation?: string;
}

/**
 * The work a session runs: replace it with your own agent pipeline (see docs/control-plane.md). Returning
 * completes the session; throwing fails it with the error's message. Stop promptly once `signal`
 * fires: nothing you append or report after that is kept.
 */
export interface DeliberationHandler {
  run(context: DeliberationContext): Promise<DeliberationResult>;
}

/** Thrown into a handler that keeps working after its session stopped running. */
export class WorkStoppedError extends Error {
  constructor(sessionId: string) {
    super(`session ${sessionId} is no longer running`);
    this.name = 'WorkStoppedError';
  }
}
