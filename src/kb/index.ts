/**
 * Knowledge-base matcher: public entry point of src/kb.
 *
 *   const index = new KbIndex();
 *   for (const a of await readKbDir('kb/sample')) index.upsert(a);
 *   const decision = decide(index.search(text));
 */
export type { KbArticle, KbCandidate, KbLang } from './article.js';
export { KbIndex, type SearchOptions } from './kb-index.js';
export { decide, wantsHuman, DEFAULT_THRESHOLDS, SUGGEST_COUNT, type BotDecision, type PolicyThresholds } from './policy.js';
export { articleToMarkdown, parseArticle, readKbDir, writeKbDir, KbParseError } from './markdown.js';
export { analyze, detectLanguage, normalize, stem, tokenize, removeStopwords } from './normalize.js';
export { DEFAULT_MATCHER_OPTIONS, type MatcherOptions } from './options.js';
