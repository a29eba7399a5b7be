import net from 'node:net';

/**
 * A TCP proxy in front of the service that can lose one answer: when armed, the first answer to a
 * request whose head matches is not passed on and both connections are closed, so the client sees
 * the network fail after the server has done the work (committed), the case a retry must not
 * turn into a second copy.
 */
export class AnswerDroppingProxy {
  private readonly sockets = new Set<net.Socket>();
  private armed: RegExp | null = null;
  /** Answers lost so far. */
  dropped = 0;

  private constructor(private readonly server: net.Server) {}

  static async start(target: { host: string; port: number }): Promise<AnswerDroppingProxy> {
    const server = net.createServer();
    const proxy = new AnswerDroppingProxy(server);
    server.on('connection', (client) => proxy.relay(client, net.connect(target.port, target.host)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  /** Loses the next answer to a request whose first line matches, e.g. /^POST \S+\/messages /. */
  dropNextAnswerTo(requestLine: RegExp): void {
    this.armed = requestLine;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
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
      if (this.armed?.test(requestLine)) {
        this.armed = null;
        this.dropped++;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
  }
}
