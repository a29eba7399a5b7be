import { redisTarget } from './redis-target.js';

describe('redisTarget', () => {
  const sut = redisTarget;

  it('is the URL as given for one server', () => {
    expect(sut('redis://127.0.0.1:6379/3', false)).toEqual({ cluster: false, url: 'redis://127.0.0.1:6379/3' });
  });

  it("reads a cluster's seed nodes, credentials and TLS", () => {
    expect(sut('rediss://app:p%40ss@10.0.0.1:7000,10.0.0.2,redis.internal:7002/0', true)).toEqual({
      cluster: true,
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 6379 },
        { host: 'redis.internal', port: 7002 },
      ],
      username: 'app',
      password: 'p@ss',
      tls: true,
    });
    expect(sut('redis://:secret@h1:1', true)).toMatchObject({ username: undefined, password: 'secret', tls: false });
  });
});
