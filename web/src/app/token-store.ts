// sessionStorage: the token lives as long as the browser tab's session, never in a cookie or on disk for good.
const KEY = 'session-store.token';

export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (token: string): void => sessionStorage.setItem(KEY, token),
  clear: (): void => sessionStorage.removeItem(KEY),
};
