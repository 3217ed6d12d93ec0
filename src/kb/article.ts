/** Languages the knowledge base understands. */
export type KbLang = 'ru' | 'en';

/** One knowledge-base article: an answer plus the questions it answers. */
export interface KbArticle {
  id: string;
  title: string;
  lang: KbLang;
  /** Answer text in Markdown, sent to the customer. */
  body: string;
  /** Example customer questions this article answers. */
  questions: string[];
  tags: string[];
  category?: string | null;
  /** False for a draft (e.g. a reply saved from a ticket) that the bot must not use yet; absent means published. */
  published?: boolean;
}

/** A search hit: raw score plus a calibrated probability-like confidence. */
export interface KbCandidate {
  article: KbArticle;
  /** Blended match score, roughly 0..1 (share of the query explained by the article). */
  score: number;
  /** 0..1, calibrated so that one threshold means the same on any KB. */
  confidence: number;
  /** 0..1: the share of the query this article explains (its views' scores capped at 1, blended). */
  explained: number;
}
