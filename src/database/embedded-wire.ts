import type { PGlite } from '@electric-sql/pglite';
import { chmod } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
// Frontend messages after which the client waits for an answer: a simple Query, Sync (which ends
// an extended query with ReadyForQuery), Flush (a cursor reading rows), Terminate.
const UNIT_ENDS = new Set(['Q', 'S', 'H', 'X']);
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);
const PARSE = 0x50;
const PARSE_COMPLETE = Buffer.from([0x31, 0, 0, 0, 4]);
/** The name pg (and psql) look for in a socket folder, for the default port. */
export const SOCKET_NAME = '.s.PGSQL.5432';

/**
 * PGlite's one session served to many pg connections, a transaction at a time: a connection holds
 * it until ReadyForQuery 'I'. pglite-socket interleaved one connection's Parse with another's
 * Sync (one backend, one unnamed statement), which gave wrong results under concurrent requests.
 */
export class EmbeddedWireServer {
  private readonly server: Server;
  private holder: Socket | null = null;
  private readonly waiters: Array<() => void> = [];
  private readonly sockets = new Set<Socket>();
  private startupReply?: Promise<Buffer>;
  /*
   * Named statements the one session has prepared. Each pg connection prepares a name the first
   * time it uses it, but here every connection shares the session, where a second Parse of the
   * name fails. The service names a statement by its text's hash (prepared-query.ts), so a name
   * already prepared is that very statement: its Parse is answered without the backend.
   */
  private readonly prepared = new Set<string>();

  constructor(private readonly db: PGlite) {
    this.server = createServer((socket) => this.serve(socket));
  }

  /**
   * Listens on `folder`/.s.PGSQL.5432, readable and writable by this OS user only. The folder must
   * be this user's alone (0700): the socket exists, with the umask's mode, before the chmod.
   */
  async listen(folder: string): Promise<string> {
    const path = join(folder, SOCKET_NAME);
    await new Promise<void>((resolve, reject) => this.server.once('error', reject).listen(path, resolve));
    await chmod(path, 0o600);
    return path;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay(true);
    let buffer = Buffer.alloc(0);
    let started = false;
    let chain = Promise.resolve();
    let unit: Buffer[] = [];
    socket.on('data', (data) => {
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        if (!started) {
          if (buffer.length < 8) return;
          const length = buffer.readInt32BE(0);
          if (buffer.length < length) return;
          const code = buffer.readInt32BE(4);
          const message = buffer.subarray(0, length);
          buffer = buffer.subarray(length);
          if (code === SSL_REQUEST) socket.write('N');
          else if (code === CANCEL_REQUEST) socket.destroy();
          else {
            started = true;
            chain = chain.then(() => this.startup(socket, message)).catch(() => void socket.destroy());
          }
          continue;
        }
        if (buffer.length < 5) return;
        const length = 1 + buffer.readInt32BE(1);
        if (buffer.length < length) return;
        const type = String.fromCharCode(buffer[0]);
        unit.push(buffer.subarray(0, length));
        buffer = buffer.subarray(length);
        if (UNIT_ENDS.has(type)) {
          const messages = unit;
          unit = [];
          // A failure drops the connection (as a server would); 'close' then lets the session go.
          chain = chain
            .then(() => this.run(socket, messages))
            .then(
              () => undefined,
              () => void socket.destroy(),
            );
        }
      }
    });
    const gone = () => {
      this.sockets.delete(socket);
      chain = chain.then(() => this.abandon(socket));
    };
    socket.once('close', gone);
    socket.once('error', () => socket.destroy());
  }

  /**
   * Every connection talks to the same session, so the first startup's answer (authentication
   * ok, parameters, ready) is every later one's too: replayed at once, a new connection does not
   * wait behind running transactions (the pools' 3 s connect timeout would answer 503s).
   */
  private async startup(socket: Socket, message: Buffer): Promise<void> {
    this.startupReply ??= this.run(socket, [message], true);
    const reply = await this.startupReply;
    if (!socket.destroyed && reply.length) socket.write(reply);
  }

  /** Runs one connection's messages with the session held; lets it go once the backend is idle. */
  private async run(socket: Socket, messages: Buffer[], collect = false): Promise<Buffer> {
    await this.acquire(socket);
    let last = 0;
    const collected: Buffer[] = [];
    for (const message of messages) {
      if (message[0] === 0x58) {
        socket.end(); // Terminate: 'close' lets the session go
        return Buffer.alloc(0);
      }
      const statement = message[0] === PARSE ? message.toString('latin1', 5, message.indexOf(0, 5)) : '';
      if (statement && this.prepared.has(statement)) {
        if (collect) collected.push(PARSE_COMPLETE);
        else if (!socket.destroyed) socket.write(PARSE_COMPLETE);
        continue;
      }
      await this.db.runExclusive(() =>
        this.db.execProtocolRawStream(new Uint8Array(message), {
          onRawData: (data) => {
            if (statement && data[0] === PARSE_COMPLETE[0]) this.prepared.add(statement);
            if (data.length >= 6 && data[data.length - 6] === 0x5a) last = data[data.length - 1];
            // A copy: the view is into PGlite's memory, which the next message reuses before the write drains.
            const copy = Buffer.from(data);
            if (collect) collected.push(copy);
            else if (!socket.destroyed) socket.write(copy);
          },
        }),
      );
    }
    // 'I': idle, outside a transaction. Anything else (in a transaction, or mid extended query
    // after a Flush): this connection keeps the session.
    if (last === 0x49) this.release(socket);
    return Buffer.concat(collected);
  }

  /** A connection gone while holding the session: end what it left open, then let the next in. */
  private async abandon(socket: Socket): Promise<void> {
    if (this.holder !== socket) return;
    await this.db.runExclusive(() => this.db.execProtocolRaw(SYNC)).catch(() => undefined);
    if (this.db.isInTransaction()) await this.db.exec('ROLLBACK').catch(() => undefined);
    this.release(socket);
  }

  private acquire(socket: Socket): Promise<void> {
    if (this.holder === socket) return Promise.resolve();
    if (!this.holder) {
      this.holder = socket;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.waiters.push(() => {
        this.holder = socket;
        resolve();
      }),
    );
  }

  private release(socket: Socket): void {
    if (this.holder !== socket) return;
    this.holder = null;
    this.waiters.shift()?.();
  }
}
