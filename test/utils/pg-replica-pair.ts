import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * A PostgreSQL primary and a streaming replica of it, each a server of the caller's own on a spare
 * port in a temporary folder: the shared server on 5432 allows no replication connections, and is
 * never reconfigured. The primary is a fresh `initdb` (a few MB), so `pg_basebackup -R` copies it
 * in about a second; the replica then follows the primary's WAL as any standby does. It imports
 * only Node, so specs and the bench (built by `nest build`) share it.
 */
const PG_BIN = (() => {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  return `/usr/lib/postgresql/${versions[0]}/bin`;
})();

// initdb, pg_basebackup and postgres refuse to run as root.
function asPostgres(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

const run = (command: string, args: string[]) => execFileSync(...asPostgres(command, args), { stdio: 'pipe' });
// Asynchronous, for a server stopped or started while the process serves requests (an app in a spec).
const runAsync = promisify(execFile);

/** One server of the pair: its data folder, port and pg_ctl. */
class Server {
  constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  url(database: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${join(this.dir, '..')} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
    await runAsync(...asPostgres(`${PG_BIN}/pg_ctl`, ['-D', this.dir, '-o', options, '-l', `${this.dir}.log`, '-w', '-t', '60', 'start']));
  }

  /** `immediate`: the server goes at once, as a crashed or unplugged one would. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    try {
      await runAsync(...asPostgres(`${PG_BIN}/pg_ctl`, ['-D', this.dir, '-m', mode, '-w', 'stop']));
    } catch {
      // not running
    }
  }
}

export class PgReplicaPair {
  private readonly root = mkdtempSync(join(tmpdir(), 'session-store-replica-'));
  readonly primary: Server;
  readonly replica: Server;

  /** `ports`: the primary's and the replica's, in the caller's own range. */
  constructor(ports: { primary: number; replica: number }) {
    if (process.getuid?.() === 0) execFileSync('chown', ['postgres:postgres', this.root]);
    this.primary = new Server(join(this.root, 'primary'), ports.primary);
    this.replica = new Server(join(this.root, 'replica'), ports.replica);
  }

  /** A pair on two ports free now (the kernel's picks), so clones running the suite at once do not collide. */
  static async onFreePorts(): Promise<PgReplicaPair> {
    const [primary, replica] = [await freePort(), await freePort()];
    return new PgReplicaPair({ primary, replica });
  }

  /** initdb and start the primary, copy it with pg_basebackup -R, start the replica: about 2-3 s. */
  async start(): Promise<void> {
    run(`${PG_BIN}/initdb`, ['-D', this.primary.dir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
    await this.primary.start();
    // -R writes standby.signal and primary_conninfo: the copy starts as a streaming replica.
    run(`${PG_BIN}/pg_basebackup`, [
      '-D',
      this.replica.dir,
      '-h',
      '127.0.0.1',
      '-p',
      String(this.primary.port),
      '-U',
      'postgres',
      '-R',
      '-X',
      'stream',
      '-c',
      'fast',
      '--no-sync',
    ]);
    await this.replica.start();
  }

  async remove(): Promise<void> {
    await this.replica.stop('immediate');
    await this.primary.stop('immediate');
    rmSync(this.root, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
