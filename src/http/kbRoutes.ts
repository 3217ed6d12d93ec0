/**
 * The knowledge-base REST API (bearer-protected, under /api/v1): articles, search, and learning
 * from tickets (save an agent's reply as a draft article, add a customer's phrasing to one).
 */
import { Router } from 'express';
import { z } from 'zod';
import { audit } from '../core/audit.js';
import { NotFoundError, ValidationError } from '../core/errors.js';
import type { TicketService } from '../core/tickets.js';
import type { Db } from '../db/prisma.js';
import { articleContent, articleId, articlePatch, articleQuestion, kbLang } from '../kb/article-schema.js';
import { draftArticleFromTicket } from '../kb/from-ticket.js';
import { KbConflictError, type KbArticleRecord, type KbService } from '../kb/kb-service.js';
import { decide, type PolicyThresholds } from '../kb/policy.js';
import { HttpError } from './errors.js';
import { actingAgent } from '../console/auth.js';
import { text } from './schemas.js';
import { apiGroup } from './apiRoutes.js';

/** The JSON shape of an article (part of the API's contract: keep field names stable). */
export function articleView(a: KbArticleRecord) {
  return {
    id: a.id,
    title: a.title,
    lang: a.lang,
    category: a.category,
    tags: a.tags,
    questions: a.questions,
    body: a.body,
    /** False for a draft: the bot does not use it until an admin publishes it (PATCH published: true). */
    published: a.published,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

const listQuery = z.object({
  lang: kbLang.optional(),
  category: text().optional(),
  tag: text().optional(),
  q: text().max(200).optional(),
  /** `true`: only published articles, `false`: only drafts. */
  published: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
  offset: z.coerce.number().int().min(0).max(1_000_000).optional(),
});

const searchQuery = z.object({
  q: text().trim().min(1).max(2000),
  lang: kbLang.optional(),
  limit: z.coerce.number().int().min(1).max(20).optional(),
});

// `published` defaults to true on a create; a PUT without it keeps a draft a draft.
const createBody = articleContent.extend({ id: articleId.optional(), published: z.boolean().optional() }).strict();
const putBody = articleContent.extend({ id: articleId.optional(), published: z.boolean().optional() }).strict();

const questionBody = z
  .object({
    text: articleQuestion.optional(),
    /** A customer's message to take the phrasing from, instead of `text`. */
    messageId: z.uuid().optional(),
  })
  .strict()
  .refine((b) => Boolean(b.text) !== Boolean(b.messageId), { message: 'give text or messageId (one of them)', path: ['text'] });

const fromTicketBody = z
  .object({
    messageId: z.uuid().optional(),
    text: text().trim().min(1).max(20_000).optional(),
    id: articleId.optional(),
    title: text().trim().min(1).max(200).optional(),
    questions: z.array(text().trim().min(1).max(500)).max(200).optional(),
    lang: kbLang.optional(),
    category: text().trim().max(200).nullable().optional(),
    tags: z.array(text().trim().min(1).max(64)).max(50).optional(),
    /** The agent doing it (handle or email), for the ticket's history. */
    agent: text().min(1).optional(),
  })
  .strict();

const ticketNumber = z.coerce.number().int().positive().max(2_147_483_647);

export interface KbRoutesDeps {
  db: Db;
  kb: KbService;
  tickets: TicketService;
  thresholds: PolicyThresholds;
}

export function kbRouter({ db, kb, tickets, thresholds }: KbRoutesDeps): Router {
  const router = Router();
  const idParam = (raw: unknown) => {
    const parsed = articleId.safeParse(raw);
    // An id that cannot exist is simply not found.
    if (!parsed.success) throw new NotFoundError(`article "${String(raw)}" not found`);
    return parsed.data;
  };

  router.get('/kb/articles', async (req, res) => {
    const { articles, total } = await kb.list(listQuery.parse(req.query));
    res.json({ articles: articles.map(articleView), total });
  });

  router.post('/kb/articles', async (req, res) => {
    const body = createBody.parse(req.body);
    const article = await kb.create(body).catch(conflict);
    res.status(201).location(`/api/v1/kb/articles/${encodeURIComponent(article.id)}`).json(articleView(article));
  });

  router.get('/kb/articles/:id', async (req, res) => {
    const article = await kb.find(idParam(req.params.id));
    if (!article) throw new NotFoundError(`article "${req.params.id}" not found`);
    res.json(articleView(article));
  });

  // PUT replaces the article, or creates it under this id (idempotent, like a sync tool expects).
  router.put('/kb/articles/:id', async (req, res) => {
    const { id: bodyId, ...content } = putBody.parse(req.body);
    const id = articleId.parse(req.params.id);
    if (bodyId !== undefined && bodyId !== id) throw new HttpError(400, 'invalid_request', 'id: does not match the URL', 'id');
    const { article, created } = await kb.put(id, content);
    res.status(created ? 201 : 200).json(articleView(article));
  });

  router.patch('/kb/articles/:id', async (req, res) => {
    const patch = articlePatch.parse(req.body);
    res.json(articleView(await kb.patch(idParam(req.params.id), patch)));
  });

  router.delete('/kb/articles/:id', async (req, res) => {
    await kb.remove(idParam(req.params.id));
    res.status(204).end();
  });

  router.post('/kb/articles/:id/questions', async (req, res) => {
    const id = idParam(req.params.id);
    const body = questionBody.parse(req.body);
    const question = body.text ?? (await customerText(db, body.messageId!));
    const { article, added } = await kb.addQuestion(id, question);
    res.status(added ? 201 : 200).json(articleView(article));
  });

  router.get('/kb/search', (req, res) => {
    const { q, lang, limit } = searchQuery.parse(req.query);
    const candidates = kb.search(q, { limit: limit ?? 5, ...(lang ? { lang } : {}) });
    res.json({
      q,
      // What the bot would do with this message.
      decision: decide(candidates, thresholds).kind,
      candidates: candidates.map((c) => ({
        id: c.article.id,
        title: c.article.title,
        lang: c.article.lang,
        category: c.article.category ?? null,
        confidence: round(c.confidence),
        score: round(c.score),
      })),
    });
  });

  router.post('/tickets/:number/kb-article', async (req, res) => {
    const number = ticketNumber.parse(req.params.number);
    const { id, agent: given, ...input } = fromTicketBody.parse(req.body);
    const agentRef = actingAgent(res, given);
    const agent = agentRef ? await tickets.findAgent(agentRef) : null;
    const draft = await draftArticleFromTicket(db, number, input);
    // A draft: customers' words and an agent's reply go live only once an admin has read and published them.
    const article = await kb.create({ ...draft, ...(id ? { id } : {}), published: false }).catch(conflict);
    const ticket = await db.ticket.findUniqueOrThrow({ where: { number }, select: { id: true } });
    await db.$transaction((tx) =>
      audit(tx, ticket.id, 'kb.article_saved', { kind: 'agent', name: agent?.name ?? 'admin', agentId: agent?.id ?? null }, { articleId: article.id, published: false }),
    );
    res.status(201).location(`/api/v1/kb/articles/${encodeURIComponent(article.id)}`).json(articleView(article));
  });

  return router;
}

/** The text of a customer's message, for "add this phrasing to the article". */
async function customerText(db: Db, messageId: string): Promise<string> {
  const message = await db.message.findUnique({ where: { id: messageId }, select: { authorKind: true, text: true } });
  if (message?.authorKind !== 'customer') throw new ValidationError(`message ${messageId} is not a customer's message`, 'messageId');
  return message.text;
}

function conflict(err: unknown): never {
  if (err instanceof KbConflictError) throw new HttpError(409, 'conflict', err.message, 'id');
  throw err;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** The routes above, for the OpenAPI spec (./openapi.ts). */
export const kbApi = apiGroup('knowledge base', '/api/v1', [
  { method: 'get', path: '/kb/articles', summary: 'List articles', query: listQuery },
  { method: 'post', path: '/kb/articles', summary: 'Create an article', body: createBody, success: { status: 201, description: 'the article' } },
  { method: 'get', path: '/kb/articles/:id', summary: 'One article', params: { id: articleId } },
  { method: 'put', path: '/kb/articles/:id', summary: 'Replace the article, or create it under this id', params: { id: articleId }, body: putBody },
  { method: 'patch', path: '/kb/articles/:id', summary: 'Change some fields of an article', params: { id: articleId }, body: articlePatch },
  { method: 'delete', path: '/kb/articles/:id', summary: 'Delete an article', params: { id: articleId }, success: { status: 204, description: 'deleted' } },
  { method: 'post', path: '/kb/articles/:id/questions', summary: "Add a phrasing (or a customer's message) to the article's questions", params: { id: articleId }, body: questionBody },
  { method: 'get', path: '/kb/search', summary: 'What the bot would match, with confidences and its decision', query: searchQuery },
  {
    method: 'post', path: '/tickets/:number/kb-article', summary: "Save an agent's reply on the ticket as a draft article (unpublished until an admin publishes it)",
    params: { number: ticketNumber }, body: fromTicketBody, success: { status: 201, description: 'the draft article' },
  },
]);
