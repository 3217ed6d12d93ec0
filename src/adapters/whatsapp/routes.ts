/**
 * The admin's view of the WhatsApp login: `GET /api/v1/channels/whatsapp/qr` (bearer
 * ADMIN_TOKEN) serves the QR code to scan with the phone (WhatsApp → Linked devices), as an SVG
 * image by default, `?format=json` for the raw code and the status, `?format=text` for a terminal.
 * WhatsApp replaces the code about every 20 seconds until it is scanned: fetch it again.
 */
import { Router, type RequestHandler } from 'express';
import { HttpError } from '../../http/errors.js';
import type { ChannelStatus } from '../adapter.js';
import type { PendingQr } from './connection.js';
import { renderQrSvg, renderQrText } from './qr-render.js';
import { apiGroup } from '../../http/apiRoutes.js';

export const QR_ROUTE = '/api/v1/channels/whatsapp/qr';

export interface QrSource {
  qr(): PendingQr | undefined;
  status(): ChannelStatus;
}

/** `requireAdmin`: the REST API's bearer-token guard. */
export function whatsappQrRouter(source: QrSource, requireAdmin: RequestHandler): Router {
  const router = Router();
  router.get(QR_ROUTE, requireAdmin, async (req, res) => {
    const status = source.status();
    const pending = source.qr();
    if (!pending) throw new HttpError(404, 'no_qr', noQrReason(status));
    const format = typeof req.query.format === 'string' ? req.query.format : 'svg';
    res.set('cache-control', 'no-store');
    if (format === 'json') {
      res.json({ qr: pending.qr, receivedAt: pending.at.toISOString(), status, svg: await renderQrSvg(pending.qr) });
    } else if (format === 'text') {
      res.type('text/plain; charset=utf-8').send(`${await renderQrText(pending.qr)}\n`);
    } else if (format === 'svg') {
      res.type('image/svg+xml').send(await renderQrSvg(pending.qr));
    } else {
      throw new HttpError(400, 'invalid_request', 'format: expected svg, json or text');
    }
  });
  return router;
}

function noQrReason(status: ChannelStatus): string {
  switch (status.state) {
    case 'off':
      return 'WhatsApp is off: set WHATSAPP_ENABLED=true and restart the gateway';
    case 'connected':
      return 'WhatsApp is connected: there is nothing to scan';
    default:
      return `no QR code yet (WhatsApp is ${status.state}${status.detail ? `: ${status.detail}` : ''}${status.lastError ? `; last error: ${status.lastError}` : ''}): try again in a few seconds`;
  }
}

/** The route above (mounted while WhatsApp is on), for the OpenAPI spec (src/http/openapi.ts). */
export const whatsappApi = apiGroup('channels', '', [
  {
    method: 'get', path: QR_ROUTE, summary: 'The WhatsApp login QR code (while WhatsApp is on and not logged in)',
    description: '`?format=svg` (the default), `json` (the raw code and the status) or `text`.',
    success: { status: 200, description: 'the QR code', contentTypes: ['image/svg+xml', 'application/json', 'text/plain'] },
  },
]);
