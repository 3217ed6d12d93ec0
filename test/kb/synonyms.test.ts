import { describe, expect, it } from 'vitest';
import { analyzeText } from '../../src/kb/analyzer.js';
import { applySynonyms, compileSynonyms } from '../../src/kb/synonyms.js';
import { stem } from '../../src/kb/normalize.js';
import { DEFAULT_MATCHER_OPTIONS } from '../../src/kb/options.js';

const terms = (text: string): string[] => analyzeText(text, DEFAULT_MATCHER_OPTIONS).unigrams.map((t) => t.term);

describe('synonyms', () => {
  it('folds words and phrases of a group to one canonical term', () => {
    expect(terms('reimbursement')).toEqual(terms('refund'));
    expect(terms('I want my money back')).toContain(terms('refund')[0]);
    expect(terms('how do I sign in')).toEqual(terms('how do I log in'));
    expect(terms('промо код')).toEqual(terms('промокод'));
    expect(terms('личный кабинет')).toEqual(terms('аккаунт'));
  });

  it('matches a phrase even when it contains stop words ("не работает")', () => {
    expect(terms('карта не работает')).toEqual(terms('карта сломалась'));
  });

  it('prefers the longest phrase and keeps positions', () => {
    const table = compileSynonyms([
      ['top up', 'add money'],
      ['money', 'cash'],
    ]);
    // The table works on stems, as produced by the analyzer.
    const out = applySynonyms(['add', 'money', 'cash'].map(stem), table);
    expect(out.terms).toEqual(['top_up', stem('money')]);
    expect(out.from).toEqual([0, 2]);
    expect(out.span).toEqual([2, 1]);
  });
});
