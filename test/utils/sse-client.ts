import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { API } from '../factories/api.factory.js';
import { tokenFor } from '../factories/token.factory.js';

export interface SseEvent {
  id: string;
  event: string;
  data: Record<string, any>;
}

/** The app's base URL, listening on a free port (an SSE stream needs a server that stays up). */
export async function baseUrlOf(app: NestFastifyApplication): Promise<string> {
  const server = app.getHttpServer();
  if (!server.listening) await app.listen(0, '127.0.0.1');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * A Server-Sent Events client as a browser's EventSource reads a stream: `id:`, `event:` and
 * `data:` lines make an event at a blank line, `:` lines are comments. It keeps every event and
 * comment it received, in order; it does not reconnect by itself (tests do it, with Last-Event-ID).
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  body = '';
  ended = false;
  /** Bytes of the stream read so far (comments included). */
  bytes = 0;
  private request: http.ClientRequest | null = null;
  private response: http.IncomingMessage | null = null;
  private waiters: Array<() => void> = [];

  static async open(url: string, user: string, path = '/events', lastEventId?: string, token = tokenFor(user)): Promise<SseClient> {
    const client = new SseClient();
    await client.connect(url + API + path, token, lastEventId);
    return client;
  }

  get lastId(): string | undefined {
    return this.events.at(-1)?.id;
  }

  /** Waits until `done(events)` holds; fails with what arrived after `timeoutMs` (a deadline, not a speed check). */
  async until(done: (events: SseEvent[]) => boolean, what: string, timeoutMs = 15_000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.events)) {
      if (Date.now() > deadline || (this.ended && !done(this.events)))
        throw new Error(
          `gave up waiting for ${what} (status ${this.status} ${this.body.slice(0, 200)}, ended: ${this.ended}); got ${this.events.length}: ${JSON.stringify(this.events.slice(-5))}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
    return this.events;
  }

  close(): void {
    this.request?.destroy();
    this.ended = true;
  }

  /** Stops reading, as a stalled client: what the server sends piles up in the sockets, then in the server. */
  pause(): void {
    this.response?.pause();
  }

  resume(): void {
    this.response?.resume();
  }

  private connect(url: string, token: string, lastEventId?: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' };
      if (lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
      this.request = http.get(url, { headers }, (response) => {
        this.status = response.statusCode ?? 0;
        this.headers = response.headers;
        this.response = response;
        response.setEncoding('utf8');
        let buffer = '';
        response.on('data', (chunk: string) => {
          this.bytes += Buffer.byteLength(chunk);
          if (this.status !== 200) {
            this.body += chunk;
            return;
          }
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            this.parse(buffer.slice(0, end));
            buffer = buffer.slice(end + 2);
          }
          this.wake();
        });
        response.on('end', () => this.finish());
        response.on('close', () => this.finish());
        // A refusal (404, 503...) is read whole; a stream is returned once its headers came.
        if (this.status === 200) resolve();
        else response.on('end', () => resolve());
      });
      this.request.on('error', (error) => (this.status ? this.finish() : reject(error)));
    });
  }

  private finish(): void {
    this.ended = true;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private parse(block: string): void {
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else if (line.includes(':')) {
        const at = line.indexOf(':');
        fields[line.slice(0, at)] = line.slice(at + 1).replace(/^ /, '');
      }
    }
    if (fields.data !== undefined && fields.id !== undefined)
      this.events.push({ id: fields.id, event: fields.event ?? 'message', data: JSON.parse(fields.data) });
  }
}

/**
 * The calling describe's subscriptions: `subscribe(...)` opens one as SseClient.open does, and each
 * is closed after its test, so a failed test leaves no stream holding a slot for the next.
 */
export function useSubscriptions(): (url: string, user: string, path?: string, lastEventId?: string) => Promise<SseClient> {
  const open: SseClient[] = [];
  afterEach(() => open.splice(0).forEach((client) => client.close()));
  return async (url, user, path = '/events', lastEventId) => {
    const client = await SseClient.open(url, user, path, lastEventId);
    open.push(client);
    return client;
  };
}
