/**
 * The API channel's inbound side: `POST /api/v1/inbound`, for custom integrations.
 * The signature is checked on the raw bytes before anything is parsed or stored.
 */
import express, { Router } from 'express';
import { z } from 'zod';
import type { InboundPipeline } from '../../core/inbound.js';
import { HttpError } from '../../http/errors.js';
import { text } from '../../http/schemas.js';
import { SIGNATURE_HEADER, verify } from '../../signature.js';
import { apiGroup } from '../../http/apiRoutes.js';

const body = z.object({
  chatId: text().min(1).max(200),
  messageId: text().min(1).max(200),
  from: z.object({
    id: text().min(1).max(200),
    name: text().max(200).optional(),
    email: z.email().optional(),
    phone: text().max(50).optional(),
    language: text().max(10).optional(),
  }),
  text: text().max(20_000),
  sentAt: z.iso.datetime({ offset: true }).optional(),
  topic: text().max(200).optional(),
  /** The id of a button we sent (the outbound payload's `buttons`) that the customer pressed. */
  buttonId: text().min(1).max(100).optional(),
});

export function apiInboundRouter(pipeline: InboundPipeline, secret: string | undefined): Router {
  const router = Router();
  router.post('/inbound', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    if (!secret) throw new HttpError(503, 'channel_disabled', 'the API channel is off: set API_CHANNEL_SECRET');
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!verify(secret, raw, req.get(SIGNATURE_HEADER))) throw new HttpError(401, 'bad_signature', 'missing or invalid X-Signature');
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new HttpError(400, 'invalid_json', 'request body is not valid JSON');
    }
    const msg = body.parse(json);
    const result = await pipeline.ingest({
      channel: 'api',
      chatId: msg.chatId,
      messageId: msg.messageId,
      from: msg.from,
      text: msg.text,
      ...(msg.sentAt ? { sentAt: new Date(msg.sentAt) } : {}),
      ...(msg.topic ? { topic: msg.topic } : {}),
      ...(msg.buttonId ? { buttonId: msg.buttonId } : {}),
    });
    res.status(202).json({ ticketNumber: result.ticketNumber, messageId: result.messageId, duplicate: result.duplicate });
  });
  return router;
}

/** The route above, for the OpenAPI spec (src/http/openapi.ts). */
export const apiChannelApi = apiGroup('API channel', '/api/v1', [
  {
    method: 'post', path: '/inbound', summary: "A customer's message from your app (idempotent per messageId)",
    description: 'Signed: `X-Signature: sha256=<hex HMAC-SHA256 of the raw body with API_CHANNEL_SECRET>`. 503 while API_CHANNEL_SECRET is unset.',
    body, auth: 'signature', success: { status: 202, description: '`{ticketNumber, messageId, duplicate}`' },
  },
]);
