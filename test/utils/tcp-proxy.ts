import net from 'node:net';

/**
 * A TCP proxy in front of a real PostgreSQL or Redis, so a test can take the service away from
 * one app (refused connections, dropped sockets) without stopping the machine's shared server.
 */
export class TcpProxy {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  private holdAfter: { marker: Buffer; from: Buffer | null } | null = null;
  port = 0;

  private constructor(private readonly target: { host: string; port: number }) {}

  static async start(targetUrl: string): Promise<TcpProxy> {
    const url = new URL(targetUrl);
    const proxy = new TcpProxy({ host: url.hostname, port: Number(url.port) });
    await proxy.restore();
    return proxy;
  }

  /** The target URL rewritten to go through this proxy. */
  url(targetUrl: string): string {
    const url = new URL(targetUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  /** The outage: open connections are dropped and new ones refused. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  /**
   * A network that stops answering one connection: the next one to send `marker` (a statement's
   * parameter) gets nothing more from the server, which carries on (and commits) unaware. With
   * `from`, its answers stop only from the first message it sends that holds `from` (a COMMIT).
   */
  holdAnswersAfter(marker: string, from?: string): void {
    this.holdAfter = { marker: Buffer.from(marker), from: from === undefined ? null : Buffer.from(from) };
  }

  /** Back again, on the same port. */
  async restore(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        // As Redis and its clients do: without it Nagle holds a small write (an invalidation) behind
        // an unacknowledged one (a PING's answer) for tens of ms, a delay the real path never has.
        socket.setNoDelay(true);
        this.sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => this.sockets.delete(socket));
      }
      client.pipe(upstream).pipe(client);
      let holdFrom: Buffer | null = null;
      client.on('data', (chunk: Buffer) => {
        if (this.holdAfter && chunk.includes(this.holdAfter.marker)) {
          holdFrom = this.holdAfter.from ?? chunk;
          this.holdAfter = null;
        }
        if (holdFrom && chunk.includes(holdFrom)) {
          holdFrom = null;
          upstream.unpipe(client);
          upstream.pause();
        }
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  close(): Promise<void> {
    return this.cut();
  }
}
