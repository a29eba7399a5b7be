import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Built by the root `npm run build` into dist/web, which the service serves at / (src/dashboard).
// Only files: the page reads its token from the person at run time, so nothing secret is bundled.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  // The API client is packages/client (`@session-store/client`), bundled from its TypeScript
  // sources as web/tsconfig.json's `paths` names them: nothing of it needs building first.
  resolve: { alias: { '@session-store/client': fileURLToPath(new URL('../packages/client/src/index.ts', import.meta.url)) } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // One small app: no preload helper inlined into index.html, which the CSP (no inline scripts) would block.
    modulePreload: false,
    sourcemap: false,
  },
  // `npm run dev:web`: the page with hot reload, the API from a service on :3000.
  server: { proxy: { '/api': 'http://127.0.0.1:3000', '/dashboard/config': 'http://127.0.0.1:3000' } },
});
