/**
 * The API channel's inbound side: `POST /api/v1/inbound`, for custom integrations.
 * The signature is checked on the raw bytes before anything is parsed or stored.
 */
import express, { Router } from 'express';
import { z } from 'zod';
import type { InboundPipeline } from '../../core/inbound.js';
import { HttpError } from '../../http/errors.js';
import { SIGNATURE_HEADER, verify } from './signature.js';

const body = z.object({
  chatId: z.string().min(1).max(200),
  messageId: z.string().min(1).max(200),
  from: z.object({
    id: z.string().min(1).max(200),
    name: z.string().max(200).optional(),
    email: z.email().optional(),
    phone: z.string().max(50).optional(),
    language: z.string().max(10).optional(),
  }),
  text: z.string().max(20_000),
  sentAt: z.iso.datetime({ offset: true }).optional(),
  topic: z.string().max(200).optional(),
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
    });
    res.status(202).json({ ticketNumber: result.ticketNumber, messageId: result.messageId, duplicate: result.duplicate });
  });
  return router;
}
