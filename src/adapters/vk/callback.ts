/**
 * `POST /webhooks/vk`, VK's Callback API. Every request must carry the secret key set in VK
 * (VK_CALLBACK_SECRET, compared in constant time): without it, 403 and nothing is read further or
 * stored. `confirmation` is answered with VK_CONFIRMATION. Any other event is handed to the
 * update handler, and answered "ok" once the core has it, which takes milliseconds.
 *
 * Why not answer "ok" before handling, as vk-io's webhook callback does: when the core cannot
 * take the event (the database is down), the answer is a 503 with Retry-After and VK delivers the
 * event again later, instead of it being lost; redeliveries are harmless (event_id and message
 * keys). A handler that is slow (large files to fetch) is not waited for past `budgetMs`: VK
 * gets its "ok" in time and the handling goes on, its failure logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { Router, type Response } from 'express';
import type { Logger } from '../../logger.js';
import type { Outcome, VkUpdateHandler } from './updates.js';

export const VK_WEBHOOK_PATH = '/webhooks/vk';

export interface CallbackOptions {
  confirmation: string;
  secret: string;
  /** When set, events for another community are refused. */
  groupId?: number;
  /** How long a request waits for its event to be handled before answering "ok" anyway. */
  budgetMs: number;
  /** How long VK is asked to wait before retrying an event we could not take. */
  retryAfterSeconds: number;
}

export function vkCallbackRouter(handler: VkUpdateHandler, options: CallbackOptions, log: Logger, onEvent: () => void = () => undefined): Router {
  const router = Router();
  router.post(VK_WEBHOOK_PATH, express.json({ limit: '1mb', type: () => true }), async (req, res) => {
    const body: unknown = req.body;
    if (!body || typeof body !== 'object' || Array.isArray(body) || typeof (body as { type?: unknown }).type !== 'string') {
      res.status(400).type('text/plain').send('bad request');
      return;
    }
    const event = body as { type: string; secret?: unknown; group_id?: unknown; event_id?: unknown };
    if (!sameSecret(options.secret, event.secret)) {
      log.warn({ ip: req.ip, type: event.type }, 'VK callback with a wrong or missing secret: refused');
      res.status(403).type('text/plain').send('forbidden');
      return;
    }
    if (options.groupId !== undefined && event.group_id !== undefined && Number(event.group_id) !== options.groupId) {
      log.warn({ groupId: event.group_id, type: event.type }, 'VK callback for another community: refused');
      res.status(403).type('text/plain').send('forbidden');
      return;
    }
    onEvent();
    if (event.type === 'confirmation') {
      res.status(200).type('text/plain').send(options.confirmation);
      return;
    }
    const context = { eventId: event.event_id, type: event.type, retry: req.get('x-retry-counter') };
    const work = handler.handle(body);
    let outcome: Outcome | 'late';
    try {
      outcome = await withinBudget(work, options.budgetMs);
    } catch (err) {
      log.error({ ...context, err }, 'VK event could not be handled: VK will deliver it again');
      retryLater(res, options.retryAfterSeconds);
      return;
    }
    if (outcome === 'late') {
      work.catch((err: unknown) => log.error({ ...context, err }, 'VK event failed after it was acknowledged'));
    }
    if (outcome === 'busy') {
      retryLater(res, options.retryAfterSeconds);
      return;
    }
    res.status(200).type('text/plain').send('ok');
  });
  return router;
}

function retryLater(res: Response, seconds: number): void {
  res.status(503).set('retry-after', String(seconds)).type('text/plain').send('retry');
}

/** Constant-time comparison (of digests, so the length leaks nothing either). */
function sameSecret(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || !given) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(expected), digest(given));
}

async function withinBudget<T>(work: Promise<T>, ms: number): Promise<T | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
