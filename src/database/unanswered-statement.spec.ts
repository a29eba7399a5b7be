import { isUnanswered } from './unanswered-statement.js';

describe('isUnanswered', () => {
  const sut = isUnanswered;

  it("is pg's client-side timeout, bare or wrapped by TypeORM", () => {
    expect(sut(new Error('Query read timeout'))).toBe(true);
    expect(sut({ message: 'Query read timeout', driverError: new Error('Query read timeout') })).toBe(true);
  });

  it('is not a statement PostgreSQL cancelled (it rolled back), nor an outage, nor anything else', () => {
    expect(sut({ code: '57014', message: 'canceling statement due to statement timeout' })).toBe(false);
    expect(sut(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(sut(new Error('timeout exceeded when trying to connect'))).toBe(false);
    expect(sut(null)).toBe(false);
    expect(sut('Query read timeout')).toBe(false);
  });
});
