import net from 'node:net';

/**
 * A TCP proxy in front of the service that can lose one answer: when armed, the first answer to a
 * request whose head matches is not passed on and both connections are closed, so the client sees
 * the network fail after the server has done the work (committed), the case a retry must not
 * turn into a second copy.
 */
export class AnswerDroppingProxy {
  private readonly sockets = new Set<net.Socket>();
  private armed: { requestLine: RegExp; awayForMs: number } | null = null;
  private back: Promise<void> = Promise.resolve();
  /** Answers lost so far. */
  dropped = 0;

  private port = 0;

  private constructor(private readonly server: net.Server) {}

  static async start(target: { host: string; port: number }): Promise<AnswerDroppingProxy> {
    const server = net.createServer();
    const proxy = new AnswerDroppingProxy(server);
    server.on('connection', (client) => proxy.relay(client, net.connect(target.port, target.host)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy.port = (server.address() as net.AddressInfo).port;
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Loses the next answer to a request whose first line matches, e.g. /^POST \S+\/messages /;
   * with `awayForMs`, connections are then refused that long, as while an instance restarts.
   */
  dropNextAnswerTo(requestLine: RegExp, { awayForMs = 0 } = {}): void {
    this.armed = { requestLine, awayForMs };
  }

  async close(): Promise<void> {
    await this.back;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Drops every connection and refuses new ones for `ms`, then listens again on the same port. */
  private awayFor(ms: number): void {
    this.server.close();
    for (const socket of this.sockets) socket.destroy();
    this.back = new Promise((resolve) => setTimeout(() => this.server.listen(this.port, '127.0.0.1', resolve), ms));
  }

  /** Resolves once it listens again after an absence (at once when it is not away). */
  whenBack(): Promise<void> {
    return this.back;
  }

  private relay(client: net.Socket, upstream: net.Socket): void {
    let requestLine = '';
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        (socket === client ? upstream : client).destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      const head = chunk.subarray(0, 512).toString('latin1');
      if (/^[A-Z]+ \S+ HTTP\/1\.1\r\n/.test(head)) requestLine = head.slice(0, head.indexOf('\r\n'));
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (this.armed?.requestLine.test(requestLine)) {
        const { awayForMs } = this.armed;
        this.armed = null;
        this.dropped++;
        if (awayForMs > 0) this.awayFor(awayForMs);
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
  }
}
