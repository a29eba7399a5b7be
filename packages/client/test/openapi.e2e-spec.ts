import { readFileSync } from 'node:fs';
import request from 'supertest';
import { useTestApp } from '../../../test/utils/use-test-app.js';
// @ts-expect-error a plain ESM script without types: the generator npm run build runs
import { generateTypes } from '../scripts/generate-types.mjs';

const packageFile = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

/**
 * The client's types come from openapi.json, which `npm run build` writes from the app's modules
 * without a database (scripts/openapi.ts). These keep the committed files honest: the document is
 * the one the running service serves, and the types are what the generator makes of it.
 */
describe('packages/client: the OpenAPI document and the generated types', () => {
  const app = useTestApp();

  it('openapi.json is the document the service serves at /docs-json (run npm run build after changing a route or DTO)', async () => {
    const served = await request(app.getHttpServer()).get('/docs-json').expect(200);
    expect(JSON.parse(packageFile('openapi.json'))).toEqual(served.body);
  });

  it('src/generated/openapi.ts is what the generator makes of openapi.json', async () => {
    const generated: string = await generateTypes(packageFile('openapi.json'));
    expect(packageFile('src/generated/openapi.ts')).toContain(generated);
  });
});
