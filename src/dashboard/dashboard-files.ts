import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the root `npm run build` leaves the dashboard (vite's outDir): `dist/web` beside
 * package.json. Found by walking up from this module rather than from the working directory, so
 * `node /app/dist/src/main.js` started anywhere finds it, and so do the tests, which load this file
 * from `src/` instead of `dist/src/`.
 */
export function dashboardDirectory(from: string = fileURLToPath(import.meta.url)): string | null {
  for (let dir = dirname(from); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      const built = join(dir, 'dist', 'web');
      return existsSync(join(built, 'index.html')) ? built : null;
    }
  }
  return null;
}
