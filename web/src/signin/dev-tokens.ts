import type { components } from '@session-store/client';
import { ApiError } from '../api/client';

type DashboardConfig = components['schemas']['DashboardConfigResponse'];

/**
 * The development sign-in: offered only where the service says so (GET /dashboard/config, which
 * always answers), since its route is absent (404) in production and to clients on other machines.
 * Plain fetch, before any token exists: POST /api/v1/dev/token is left out of the OpenAPI document
 * on purpose (the development secret's alone), so the typed client has no path for it.
 */
export const devTokens = {
  async available(): Promise<boolean> {
    const response = await fetch('/dashboard/config').catch(() => null);
    if (!response?.ok) return false;
    return ((await response.json().catch(() => null)) as DashboardConfig | null)?.devSignIn === true;
  },
  async mint(user: string): Promise<string> {
    const response = await fetch('/api/v1/dev/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user }),
    }).catch(() => null);
    if (!response) throw new ApiError(0, null, null);
    const data = (await response.json().catch(() => null)) as { token?: string } | null;
    if (!response.ok || !data?.token) throw new ApiError(response.status, data as ApiError['body'], null);
    return data.token;
  },
};
