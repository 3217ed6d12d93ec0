/**
 * What a valid article is, in one place: the REST API, the Markdown import and the
 * "save a reply as an article" flow all check articles against these schemas.
 */
import { z } from 'zod';

/** Ids become file names (`<id>.md`), URL segments and button ids (`kb:article:<id>`, ≤ 100 chars). */
export const ARTICLE_ID = /^[\p{L}\p{N}][\p{L}\p{N}._-]*$/u;
export const ARTICLE_ID_MAX = 80;

// PostgreSQL text cannot hold NUL: refuse it as a 400 naming the field, not a 500 at the INSERT.
const str = () => z.string().refine((s) => !s.includes('\u0000'), 'must not contain NUL (\\u0000) characters');
const line = (max: number) => str().trim().min(1).max(max);
/** A list of short texts, trimmed and without repeats. */
const lines = (max: number, count: number) =>
  z
    .array(line(max))
    .max(count)
    .transform((xs) => [...new Set(xs)]);

export const articleId = str()
  .trim()
  .min(1)
  .max(ARTICLE_ID_MAX)
  .regex(ARTICLE_ID, 'letters, digits, ".", "_" and "-" only, starting with a letter or digit');

export const kbLang = z.enum(['ru', 'en']);

/** A question as an agent adds it to an article. */
export const articleQuestion = line(500);

const fields = {
  title: line(200),
  lang: kbLang,
  body: str().trim().min(1).max(20_000),
  questions: lines(500, 200),
  tags: lines(64, 50),
  category: str()
    .trim()
    .max(200)
    .nullable()
    .transform((c) => c || null),
};

/** A whole article without its id: a create, a PUT or an imported file. */
export const articleContent = z.object({
  ...fields,
  questions: fields.questions.default([]),
  tags: fields.tags.default([]),
  category: fields.category.optional().transform((c) => c ?? null),
});
export type ArticleContent = z.output<typeof articleContent>;

/**
 * Some fields of an article: a PATCH. `published: true` publishes a draft (the bot starts using
 * it), `false` takes an article back to draft.
 */
export const articlePatch = z
  .object({ ...fields, published: z.boolean() })
  .partial()
  .strict();
export type ArticlePatch = z.output<typeof articlePatch>;
