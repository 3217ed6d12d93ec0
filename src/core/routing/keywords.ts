/**
 * Stemmed keyword matching (Russian and English) for category keywords and the `keywords`
 * condition of routing and automation rules. It reuses the knowledge base's normalizer and
 * stemmers (src/kb/normalize.ts), so "доставку", "доставки" and "Доставка" are one word, as are
 * "refunds" and "refund". Stop words are kept on purpose: a keyword is what the admin wrote.
 */
import { normalize, stem, tokenize } from '../../kb/normalize.js';

/** The stems of a text, in order. */
export function stems(text: string): string[] {
  return tokenize(normalize(text)).map(stem);
}

/** A text analysed once, to be matched against many keywords. */
export class StemmedText {
  private readonly words: string[];
  private readonly set: Set<string>;

  constructor(text: string) {
    this.words = stems(text);
    this.set = new Set(this.words);
  }

  /**
   * Whether the text contains the keyword: a single word by its stem, a phrase ("sign in") as
   * its stems in a row. A keyword with no letters or digits matches nothing.
   */
  has(keyword: string): boolean {
    const phrase = stems(keyword);
    if (phrase.length === 0) return false;
    if (phrase.length === 1) return this.set.has(phrase[0]!);
    for (let i = 0; i + phrase.length <= this.words.length; i++) {
      if (phrase.every((s, k) => this.words[i + k] === s)) return true;
    }
    return false;
  }

  /** How many of the keywords the text contains. */
  count(keywords: readonly string[]): number {
    return keywords.reduce((n, k) => n + (this.has(k) ? 1 : 0), 0);
  }
}
