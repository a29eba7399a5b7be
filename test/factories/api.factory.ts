import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import { newUser, tokenFor } from './token.factory.js';

export const API = '/api/v1';

/** supertest against the app's real HTTP server, authenticated as `user` (with `roles`, e.g. admin). */
export function apiAs(app: NestFastifyApplication, user: string, roles: string[] = []) {
  const auth = { Authorization: `Bearer ${tokenFor(user, { roles })}` };
  const http = () => request(app.getHttpServer());
  return {
    get: (path: string) =>
      http()
        .get(API + path)
        .set(auth),
    post: (path: string, body?: object) => {
      const call = http()
        .post(API + path)
        .set(auth);
      return body === undefined ? call : call.send(body);
    },
    put: (path: string, body: object) =>
      http()
        .put(API + path)
        .set(auth)
        .send(body),
    patch: (path: string, body: object) =>
      http()
        .patch(API + path)
        .set(auth)
        .send(body),
    delete: (path: string) =>
      http()
        .delete(API + path)
        .set(auth),
  };
}

export type Api = ReturnType<typeof apiAs>;

/**
 * supertest as `user` with a body sent as raw text: what it says of free-form JSON (key order,
 * repeated keys, number spellings) reaches the service as written, as no JS object would keep it.
 */
export function rawAs(app: NestFastifyApplication, user: string) {
  return (method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, body?: string) => {
    const call = request(app.getHttpServer())
      [method](API + path)
      .set('Authorization', `Bearer ${tokenFor(user)}`);
    return body === undefined ? call : call.set('Content-Type', 'application/json').send(body);
  };
}

/** sessionFactory: a session created through the API, as a client would. */
export async function createSession(api: Api, body: object = { title: 'a session' }): Promise<Record<string, any>> {
  const response = await api.post('/sessions', body).expect(201);
  return response.body;
}

/** A user no other test uses, and their client: `beforeEach(() => ({ user, api } = newUserApi(app)))`. */
export function newUserApi(app: NestFastifyApplication): { user: string; api: Api } {
  const user = newUser();
  return { user, api: apiAs(app, user) };
}

/** newUserApi and one session of theirs, created through the API: most history specs' prologue. */
export async function userWithSession(
  app: NestFastifyApplication,
  body?: object,
): Promise<{ user: string; api: Api; id: string; session: Record<string, any> }> {
  const { user, api } = newUserApi(app);
  const session = await createSession(api, body);
  return { user, api, id: session.id, session };
}
