import type { SessionStoreClient } from '@session-store/client';
import type { SessionEvent } from './types';

export type StreamState = 'connecting' | 'open' | 'reconnecting' | 'unavailable';

type Listener = (event: SessionEvent) => void;

// Backoff between reconnections: quick at first (a restart), then every 10 s at most.
const RETRY_MS = [500, 1000, 2000, 5000, 10000];

/**
 * GET /api/v1/events read through the typed client (fetch) rather than EventSource: EventSource cannot
 * send the Authorization header, and a token in the URL would land in logs. On a drop it reconnects with
 * Last-Event-ID, so the service replays exactly what was missed; `resync` listeners hear when
 * that was not possible (no id seen yet), so views reload instead.
 */
export class EventStream {
  private readonly listeners = new Set<Listener>();
  private readonly stateListeners = new Set<(state: StreamState) => void>();
  private readonly resyncListeners = new Set<() => void>();
  private abort = new AbortController();
  private lastEventId: string | null = null;
  private failures = 0;
  state: StreamState = 'connecting';

  constructor(
    private readonly client: SessionStoreClient,
    private readonly onUnauthorized: (reason: string) => void,
  ) {}

  /** Connects (again after close()): the page opens the stream when signed in and closes it at sign-out. */
  open(): void {
    this.abort = new AbortController();
    void this.run(this.abort.signal);
  }

  close(): void {
    this.abort.abort();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  onState(listener: (state: StreamState) => void): () => void {
    this.stateListeners.add(listener);
    return () => void this.stateListeners.delete(listener);
  }

  onResync(listener: () => void): () => void {
    this.resyncListeners.add(listener);
    return () => void this.resyncListeners.delete(listener);
  }

  private signOut(reason?: string): void {
    this.onUnauthorized(reason ?? 'Your token was refused by the events stream (401)');
  }

  private setState(state: StreamState): void {
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }

  private async run(signal: AbortSignal): Promise<void> {
    let connectedBefore = false;
    while (!signal.aborted) {
      try {
        const {
          data: body,
          error,
          response,
        } = await this.client.api.GET('/api/v1/events', {
          params: { header: this.lastEventId ? { 'Last-Event-ID': this.lastEventId } : {} },
          headers: { Accept: 'text/event-stream' },
          parseAs: 'stream',
          signal,
          cache: 'no-store',
        });
        // The API's reason (an expired token, say), whichever of the page's refused requests signs out first.
        if (response.status === 401) return this.signOut(reasonOf(error));
        if (!response.ok || !body) throw new Error(`events answered ${response.status}`);
        // Events that happened while no id was known cannot be replayed: the views reload instead.
        if (connectedBefore && !this.lastEventId) for (const listener of this.resyncListeners) listener();
        connectedBefore = true;
        this.failures = 0;
        this.setState('open');
        await this.read(body);
      } catch {
        if (signal.aborted) return;
      }
      this.setState(this.failures >= 2 ? 'unavailable' : 'reconnecting');
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS[Math.min(this.failures++, RETRY_MS.length - 1)]));
    }
  }

  /** The text/event-stream format: fields until a blank line, `:` lines are comments (keep-alives). */
  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let event = { id: '', type: 'message', data: [] as string[] };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '') {
          if (event.data.length) this.dispatch(event.id, event.type, event.data.join('\n'));
          event = { id: '', type: 'message', data: [] };
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') event.id = value;
        else if (field === 'event') event.type = value;
        else if (field === 'data') event.data.push(value);
      }
    }
  }

  private dispatch(id: string, type: string, data: string): void {
    if (id) this.lastEventId = id;
    let parsed: SessionEvent['data'];
    try {
      parsed = JSON.parse(data) as SessionEvent['data'];
    } catch {
      return;
    }
    if (typeof parsed?.sessionId !== 'string') return;
    for (const listener of this.listeners) listener({ id, type, data: parsed });
  }
}

function reasonOf(error: unknown): string | undefined {
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message ? message : undefined;
}
