import { isDatabaseUnavailable } from './database-errors.js';

describe('isDatabaseUnavailable', () => {
  const sut = isDatabaseUnavailable;

  it.each([
    ['57014', 'canceling statement due to statement timeout'],
    ['55P03', 'canceling statement due to lock timeout'],
    ['57P01', 'terminating connection due to administrator command'],
    ['08006', 'connection failure'],
  ])('counts SQLSTATE %s (%s), a statement PostgreSQL gave up and rolled back, as unavailable', (code, message) => {
    expect(sut({ code, message })).toBe(true);
    expect(sut({ message: 'query failed', driverError: { code, message } })).toBe(true);
  });

  it('counts the client giving up on an answer as unavailable', () => {
    expect(sut(new Error('Query read timeout'))).toBe(true);
  });

  it.each(['23505', '22P02', '42P01', '57015', '550P03'])('does not count SQLSTATE %s', (code) => {
    expect(sut({ code, message: 'refused' })).toBe(false);
  });
});
