import autocannon from 'autocannon';

/** One measured row of the bench's table: a scenario against the service, the peer or pgbench. */
export interface Result {
  name: string;
  /** The service's cache; '-' for rows that are not the service (peer, pgbench). */
  cache: 'on' | 'off' | '-';
  /** Requests per second; for a turn, turns per second; for pgbench, commits per second. */
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export interface Target {
  user: string;
  path: string;
}

/**
 * autocannon from the bench's process: `connections` clients for `seconds`, each request taking
 * the next target round robin, with its user's token.
 */
export class Load {
  constructor(
    private readonly connections: number,
    private readonly seconds: number,
    private readonly bearer: (user: string) => string,
  ) {}

  /** One scenario: each request takes the next of `targets` (user and path), round robin. */
  async run(name: string, cache: Result['cache'], port: number, targets: Target[], body?: object): Promise<Result> {
    let next = 0;
    const result = await this.cannon(port, [
      {
        method: body ? 'POST' : 'GET',
        body: body ? JSON.stringify(body) : undefined,
        setupRequest: (request: any) => this.aim(request, targets[next++ % targets.length]),
      },
    ]);
    return this.line(name, cache, result, 1);
  }

  /** Each of `targets` requested once (GET), e.g. to fill the caches a scenario is meant to find filled. */
  async once(port: number, targets: Target[]): Promise<void> {
    let next = 0;
    await autocannon({
      url: `http://127.0.0.1:${port}`,
      connections: this.connections,
      amount: targets.length,
      requests: [{ method: 'GET', setupRequest: (request: any) => this.aim(request, targets[next++ % targets.length]) }],
    });
  }

  /**
   * The agent's turn: getItems(20) then addItems(2) on the same session, each connection doing
   * turn after turn. Turns per second are half the requests per second; p50/p99 are per request.
   */
  async turn(name: string, cache: Result['cache'], port: number, targets: Target[]): Promise<Result> {
    let next = 0;
    const items = JSON.stringify({
      items: [
        { role: 'user', content: 'what next?' },
        { role: 'assistant', content: 'the agent answers' },
      ],
    });
    const result = await this.cannon(port, [
      {
        method: 'GET',
        setupRequest: (request: any, context: any) => {
          context.target = targets[next++ % targets.length];
          return this.aim(request, { ...context.target, path: `${context.target.path}?limit=20` });
        },
      },
      { method: 'POST', body: items, setupRequest: (request: any, context: any) => this.aim(request, context.target) },
    ]);
    return this.line(name, cache, result, 2);
  }

  private aim(request: any, target: Target): any {
    request.path = target.path;
    request.headers = { ...request.headers, authorization: this.bearer(target.user), 'content-type': 'application/json' };
    return request;
  }

  private cannon(port: number, requests: autocannon.Request[]): Promise<autocannon.Result> {
    return autocannon({ url: `http://127.0.0.1:${port}`, connections: this.connections, duration: this.seconds, requests });
  }

  private line(name: string, cache: Result['cache'], result: autocannon.Result, requestsPerUnit: number): Result {
    const errors = result.errors + result.timeouts + result.non2xx;
    const rps = Math.round(result.requests.average / requestsPerUnit);
    const line = { name, cache, rps, p50: result.latency.p50, p99: result.latency.p99, errors };
    const unit = requestsPerUnit === 2 ? 'turns/s' : 'req/s';
    console.log(`  ${name} (cache ${cache}): ${rps} ${unit}, p50 ${line.p50} ms, p99 ${line.p99} ms, errors ${errors}`);
    return line;
  }
}
