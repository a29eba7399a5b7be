import { describe, expect, it } from '@jest/globals';
import { highlight } from './highlight';

describe('highlight', () => {
  it('marks every case-insensitive occurrence, keeping the snippet as written', () => {
    expect(highlight('…the Pro tier; pro first, then PRO+', 'pro')).toEqual([
      { text: '…the ', hit: false },
      { text: 'Pro', hit: true },
      { text: ' tier; ', hit: false },
      { text: 'pro', hit: true },
      { text: ' first, then ', hit: false },
      { text: 'PRO', hit: true },
      { text: '+', hit: false },
    ]);
  });

  it('reads the query as text, not as a pattern, with its whitespace collapsed as the snippet is', () => {
    expect(highlight('cost (a+b)* in 100% of runs', '(a+b)*')).toEqual([
      { text: 'cost ', hit: false },
      { text: '(a+b)*', hit: true },
      { text: ' in 100% of runs', hit: false },
    ]);
    expect(highlight('launch pro first', '  pro   first ')).toEqual([
      { text: 'launch ', hit: false },
      { text: 'pro first', hit: true },
    ]);
  });

  it('leaves a snippet without the query whole', () => {
    expect(highlight('nothing here', 'absent')).toEqual([{ text: 'nothing here', hit: false }]);
  });
});
