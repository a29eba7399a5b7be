import { DataSource } from 'typeorm';
import { LiveProgressFlusher } from '../src/control/live-progress/live-progress.flusher.js';
import { apiAs, createSession } from './factories/api.factory.js';
import { newUser } from './factories/token.factory.js';
import { controlEnv, removeQueue } from './utils/control.js';
import { TcpProxy } from './utils/tcp-proxy.js';
import { useTestApp } from './utils/use-test-app.js';
import { waitFor } from './utils/wait-for.js';

describe('live progress through a PostgreSQL outage', () => {
  let proxy: TcpProxy;
  const app = useTestApp(
    async () => {
      proxy = await TcpProxy.start(process.env.DATABASE_URL!);
      return controlEnv({ WORKER_ENABLED: 'false', DATABASE_URL: proxy.url(process.env.DATABASE_URL!) });
    },
    { beforeClose: removeQueue, afterClose: () => proxy.close() },
  );

  it('keeps progress a failed flush could not write, and writes it once PostgreSQL is back', async () => {
    const flusher = app.get(LiveProgressFlusher, { strict: false });
    flusher.pause();
    try {
      const api = apiAs(app, newUser());
      const session = await createSession(api);
      await api.post(`/sessions/${session.id}/start`).expect(202);
      await api.post(`/sessions/${session.id}/progress`, { phase: 'research', costDelta: 3 }).expect(202);

      await proxy.cut();
      expect(await flusher.flush()).toBe(0);
      await proxy.restore();
      await waitFor(
        () => flusher.flush(),
        (written) => written >= 1,
        { what: 'a flush after the outage' },
      );

      const [row] = await app.get(DataSource).query(`SELECT phase, total_cost FROM sessions WHERE id = $1`, [session.id]);
      expect({ phase: row.phase, totalCost: Number(row.total_cost) }).toEqual({ phase: 'research', totalCost: 3 });
      expect(await flusher.flush()).toBe(0); // written once, then no longer dirty
    } finally {
      flusher.resume();
    }
  });
});
