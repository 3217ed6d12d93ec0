/**
 * Text normalization for knowledge-base matching: one pipeline shared by the
 * index and by incoming customer messages, so both sides see the same terms.
 */
// Deep import on purpose: natural's root module also loads its storage
// back-ends (mongoose, pg, redis) and calls dotenv.config(), which prints to
// stdout, reads .env and costs ~1 s at startup. The stemmers entry point has
// its own .d.ts and exposes real named exports under Node ESM.
import { PorterStemmer, PorterStemmerRu } from 'natural/lib/natural/stemmers/index.js';
import type { KbLang } from './article.js';
import { isStopword } from './stopwords.js';

/** English contractions without the apostrophe, as customers type them. */
const BARE_NEGATIONS: ReadonlyMap<string, string> = new Map([
  ['dont', 'do'], ['doesnt', 'does'], ['didnt', 'did'], ['cant', 'can'], ['cannot', 'can'],
  ['wont', 'will'], ['isnt', 'is'], ['arent', 'are'], ['wasnt', 'was'], ['werent', 'were'],
  ['havent', 'have'], ['hasnt', 'has'], ['hadnt', 'had'], ['couldnt', 'could'],
  ['shouldnt', 'should'], ['wouldnt', 'would'], ['aint', 'is'],
]);

/**
 * Lowercase, fold ё→е, expand English "n't", drop other clitics ('s, 'm, 're…),
 * strip punctuation, symbols and emoji, and collapse whitespace.
 */
export function normalize(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[’‘`´]/g, "'")
    // "won't"/"can't" keep a usable base verb; the negation itself is informative.
    .replace(/\bwon't\b/g, 'will not')
    .replace(/\bcan't\b/g, 'can not')
    .replace(/n't\b/g, ' not')
    .replace(/'(s|m|re|ve|ll|d)\b/g, '')
    // Letters and digits survive; everything else (punctuation, emoji, symbols) is a separator.
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * Guess the language from the share of Cyrillic among all letters.
 * Text without letters falls back to `fallback`.
 */
export function detectLanguage(text: string, fallback: KbLang = 'en'): KbLang {
  let cyr = 0;
  let lat = 0;
  for (const ch of text) {
    if (/\p{Script=Cyrillic}/u.test(ch)) cyr++;
    else if (/[a-z]/i.test(ch)) lat++;
  }
  if (cyr + lat === 0) return fallback;
  return cyr >= lat ? 'ru' : 'en';
}

/** Split normalized text into tokens, expanding bare negations ("dont" → "do", "not"). */
export function tokenize(normalized: string): string[] {
  const out: string[] = [];
  for (const tok of normalized.split(' ')) {
    if (tok === '') continue;
    const base = BARE_NEGATIONS.get(tok);
    if (base) out.push(base, 'not');
    else out.push(tok);
  }
  return out;
}

/** Drop Russian and English stop words. */
export function removeStopwords(tokens: readonly string[]): string[] {
  return tokens.filter((t) => !isStopword(t));
}

const CYRILLIC = /\p{Script=Cyrillic}/u;

/**
 * Russian stems are cut to this many letters. The Porter stemmer strips
 * inflections but not derivational suffixes, so long words split into
 * several stems ("активир"/"активирова", "подтверд"/"подтвержден");
 * truncation, a classic fallback for Russian retrieval, merges them. On the
 * Russian benchmark 5–6 letters helped the centroid view most but made
 * one-word questions ambiguous ("доставка" pulled two sample articles level);
 * 7 ranked best in the blend (bench/kb/README.md). English stems gained
 * nothing from truncation and are left whole.
 */
export const RU_STEM_MAX = 7;
const stemCache = new Map<string, string>();
const STEM_CACHE_MAX = 50_000;

/**
 * Stem one normalized token. The stemmer is picked by the token's own script,
 * not the message language, because mixed messages ("не работает Apple Pay") are common.
 */
export function stem(token: string): string {
  const hit = stemCache.get(token);
  if (hit !== undefined) return hit;
  let out: string;
  if (/^\p{N}+$/u.test(token)) out = token;
  else if (CYRILLIC.test(token)) out = PorterStemmerRu.stem(token).slice(0, RU_STEM_MAX);
  else out = PorterStemmer.stem(token);
  // A stemmer can return "" for very short words; keep the word itself then.
  if (out === '') out = token;
  if (stemCache.size >= STEM_CACHE_MAX) stemCache.clear();
  stemCache.set(token, out);
  return out;
}

/** Convenience pipeline: normalize → tokenize → drop stop words → stem. */
export function analyze(text: string): string[] {
  return removeStopwords(tokenize(normalize(text))).map(stem);
}
