import type { AddressInfo } from 'node:net';
import { newUser, tokenFor } from '../../../../test/factories/token.factory.js';
import { useTestApp } from '../../../../test/utils/use-test-app.js';
import { AgentsSession, type AgentsSessionOptions } from '../../src/index.js';

/**
 * The service as main.ts builds it (useTestApp: real PostgreSQL and Redis), listening on a free
 * port, so the client talks to it over real HTTP as any user of the package would.
 */
export function useService(env: Record<string, string> = {}) {
  const app = useTestApp(env);
  let baseUrl = '';
  beforeAll(async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  return {
    app,
    baseUrl: () => baseUrl,
    /** An AgentsSession on `key` for `user` (a new user unless given). */
    agentsSession: (key: string, user = newUser('agent'), options: Partial<AgentsSessionOptions> = {}) =>
      new AgentsSession({ baseUrl, token: tokenFor(user), key, ...options }),
  };
}

export const userMessage = (text: string) => ({ role: 'user' as const, content: [{ type: 'input_text' as const, text }] });
