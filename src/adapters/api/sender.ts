/** The API channel's outbound side: replies (and agents' edits of them) are POSTed, signed, to API_CHANNEL_WEBHOOK_URL. */
import { PermanentDeliveryError, RateLimitedError, RetryableDeliveryError } from '../../core/delivery/errors.js';
import type { ChannelSender, OutboundEdit, OutboundMessage, SendResult } from '../../core/model.js';
import { retryAfterMs } from '../http.js';
import { sign, SIGNATURE_HEADER } from '../../signature.js';

/** How long a 429 without Retry-After makes a message wait. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 1000;

export class ApiChannelSender implements ChannelSender {
  readonly channel = 'api' as const;

  constructor(private readonly options: { webhookUrl: string | undefined; secret: string | undefined; timeoutMs: number }) {}

  async send(message: OutboundMessage): Promise<SendResult> {
    await this.post(message.id, {
      chatId: message.chatId,
      text: message.text,
      ticketNumber: message.ticketNumber,
      author: message.author,
      buttons: message.buttons,
      attachments: message.attachments,
      messageId: message.id,
      sentAt: message.sentAt.toISOString(),
    });
    return {};
  }

  /**
   * An agent's edit of a reply: `{"event":"message.edited","chatId","messageId","text","previousText",…}`,
   * POSTed and signed like replies; the integrator replaces the text of the reply `messageId`.
   * `Idempotency-Key` is the edit's id, the same on every retry.
   */
  async edit(e: OutboundEdit): Promise<void> {
    const m = e.message;
    await this.post(e.editId, {
      event: 'message.edited',
      chatId: m.chatId,
      messageId: m.id,
      text: m.text,
      previousText: e.previousText,
      ticketNumber: m.ticketNumber,
      author: m.author,
      editedAt: e.editedAt.toISOString(),
    });
  }

  private async post(idempotencyKey: string, payload: Record<string, unknown>): Promise<void> {
    const { webhookUrl, secret, timeoutMs } = this.options;
    if (!webhookUrl || !secret) throw new PermanentDeliveryError('the API channel has no API_CHANNEL_WEBHOOK_URL or API_CHANNEL_SECRET');
    const body = JSON.stringify(payload);
    let res: Response;
    try {
      res = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: sign(secret, body), 'idempotency-key': idempotencyKey },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new RetryableDeliveryError(`webhook unreachable: ${(err as Error).message}`);
    }
    await res.body?.cancel().catch(() => undefined);
    if (res.ok) return;
    if (res.status === 429) throw new RateLimitedError('webhook answered 429', retryAfterMs(res.headers.get('retry-after')) ?? DEFAULT_RATE_LIMIT_WAIT_MS);
    if (res.status >= 500 || res.status === 408) {
      throw new RetryableDeliveryError(`webhook answered ${res.status}`, retryAfterMs(res.headers.get('retry-after')));
    }
    throw new PermanentDeliveryError(`webhook answered ${res.status}`);
  }
}
