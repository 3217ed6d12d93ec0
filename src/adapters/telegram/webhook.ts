/**
 * Webhook mode (TELEGRAM_WEBHOOK_URL set): Telegram POSTs each update to
 * `POST /webhooks/telegram` with the secret we gave `setWebhook` in the
 * `X-Telegram-Bot-Api-Secret-Token` header. A request without the right secret gets 401 before
 * its body is even read, and nothing is stored.
 *
 * Answers: 200 once the update is handled (or ignored, or a duplicate); 503 when it could not be
 * handled for a passing reason (the database is down, the bot not yet connected), so Telegram
 * delivers it again later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { Router } from 'express';
import type { Update } from 'grammy/types';
import type { Logger } from '../../logger.js';
import type { UpdateOutcome } from './polling.js';

export const WEBHOOK_PATH = '/webhooks/telegram';
export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/** What Telegram allows in a secret token: 1–256 of A–Z, a–z, 0–9, _ and -. */
export const SECRET_PATTERN = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * The secret token: TELEGRAM_WEBHOOK_SECRET, or one derived from APP_SECRET and the bot's id
 * (stable across restarts and instances, different per bot, and nothing more to configure).
 */
export function webhookSecret(configured: string | undefined, appSecret: string, token: string): string {
  if (configured) return configured;
  const botId = token.split(':')[0] ?? '';
  return createHmac('sha256', appSecret).update(`telegram-webhook:${botId}`).digest('hex');
}

export interface WebhookRouterOptions {
  secret: string;
  handle: (update: Update) => Promise<UpdateOutcome>;
  /** False until the bot knows who it is (getMe): updates wait (503) until then. */
  ready: () => boolean;
  log: Logger;
}

export function webhookRouter(o: WebhookRouterOptions): Router {
  const router = Router();
  const expected = Buffer.from(o.secret);
  router.post(
    WEBHOOK_PATH,
    (req, res, next) => {
      const given = Buffer.from(req.get(SECRET_HEADER) ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        o.log.warn({ channel: 'telegram', ip: req.ip }, 'telegram webhook with a wrong secret token rejected');
        res.status(401).json({ error: 'unauthorized', message: 'missing or wrong X-Telegram-Bot-Api-Secret-Token' });
        return;
      }
      next();
    },
    express.json({ limit: '1mb' }),
    async (req, res) => {
      const update = req.body as Partial<Update> | undefined;
      if (!update || typeof update !== 'object' || typeof update.update_id !== 'number') {
        res.status(400).json({ error: 'invalid_request', message: 'the body is not a Telegram update' });
        return;
      }
      if (!o.ready()) {
        res.status(503).set('retry-after', '5').json({ error: 'unavailable', message: 'the Telegram channel is still connecting' });
        return;
      }
      const outcome = await o.handle(update as Update);
      if (outcome === 'retry') res.status(503).json({ error: 'unavailable', message: 'try again later' });
      else res.status(200).json({ ok: true });
    },
  );
  return router;
}
