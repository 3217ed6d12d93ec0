import { describe, expect, it } from 'vitest';
import { isOneEdit, TypoVocabulary } from '../../src/kb/fuzzy.js';

describe('isOneEdit', () => {
  it('accepts one insert, delete, substitution or neighbour swap', () => {
    expect(isOneEdit('pasword', 'password')).toBe(true);
    expect(isOneEdit('passsword', 'password')).toBe(true);
    expect(isOneEdit('passwprd', 'password')).toBe(true);
    expect(isOneEdit('psasword', 'password')).toBe(true);
  });
  it('rejects identical words and two edits', () => {
    expect(isOneEdit('password', 'password')).toBe(false);
    expect(isOneEdit('pasrowd', 'password')).toBe(false);
    expect(isOneEdit('abcd', 'abxy')).toBe(false);
  });
});

describe('TypoVocabulary', () => {
  it('corrects unknown words to the most frequent known word one edit away', () => {
    const v = new TypoVocabulary();
    for (const w of ['delivery', 'delivery', 'refund', 'доставка']) v.add(w);
    expect(v.correct('delivry')).toBe('delivery');
    expect(v.correct('refnud')).toBe('refund');
    expect(v.correct('доствка')).toBe('доставка');
    expect(v.correct('delivery')).toBeUndefined(); // known
    expect(v.correct('xyzzy')).toBeUndefined(); // nothing close
    expect(v.correct('cad')).toBeUndefined(); // too short to guess
  });

  it('forgets a word when its last use is removed', () => {
    const v = new TypoVocabulary();
    v.add('refund');
    v.add('refund');
    v.remove('refund');
    expect(v.correct('refnd')).toBe('refund');
    v.remove('refund');
    expect(v.has('refund')).toBe(false);
    expect(v.correct('refnd')).toBeUndefined();
    expect(v.size).toBe(0);
  });
});
