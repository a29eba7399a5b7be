import { SqlParams } from './sql-params.js';

describe('SqlParams', () => {
  it('numbers added values after the head, each placeholder naming its own value', () => {
    const sut = new SqlParams('retention', 'id');
    const a = sut.add('a');
    const b = sut.add('b');
    expect([a, b]).toEqual(['$3', '$4']);
    expect(sut.values).toEqual(['retention', 'id', 'a', 'b']);
    for (const [placeholder, value] of [
      [a, 'a'],
      [b, 'b'],
    ])
      expect(sut.values[Number(placeholder.slice(1)) - 1]).toBe(value);
  });

  it('numbers after the reserved placeholders, which values leave out', () => {
    const sut = SqlParams.after(1, 'id', 'user');
    expect(sut.add('deleted')).toBe('$4');
    expect(sut.values).toEqual(['id', 'user', 'deleted']);
  });

  it('starts at $1 without a head', () => {
    const sut = new SqlParams();
    expect(sut.add(null)).toBe('$1');
    expect(sut.values).toEqual([null]);
  });

  it('keeps its numbering when add is handed on unbound, as riders take it', () => {
    const sut = new SqlParams(1);
    const add = sut.add;
    expect([10, 20, 30].map(add)).toEqual(['$2', '$3', '$4']);
    expect(sut.values).toEqual([1, 10, 20, 30]);
  });

  it('adds a value twice as two parameters, so a reused value reuses its placeholder instead', () => {
    const sut = new SqlParams();
    const n = sut.add(5);
    expect(`a + ${n}, b + ${n}`).toBe('a + $1, b + $1');
    expect(sut.add(5)).toBe('$2');
  });
});
