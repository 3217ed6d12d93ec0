/**
 * A platform's rate-limit answer (429 with Retry-After) only makes a message wait: it spends
 * none of its delivery attempts, so a long rate-limit period never fails a reply. Ordinary
 * failures still count. Real BullMQ and PostgreSQL; the platform is the API channel's webhook.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_SECRET, eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';

let t: TestGateway;
let hook: WebhookReceiver;
beforeAll(async () => {
  hook = await startWebhookReceiver(API_SECRET);
  t = await startTestGateway({ API_CHANNEL_WEBHOOK_URL: hook.url, DELIVERY_MAX_ATTEMPTS: '2', BOT_ENABLED: 'false' });
});
afterAll(async () => {
  await t?.stop();
  await hook?.close();
});
beforeEach(() => hook.reset());

async function replyToNewTicket(text: string): Promise<{ number: number; id: string }> {
  const chatId = randomUUID();
  const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: `u-${chatId}`, name: 'Olga' }, text: 'help' });
  const number = ((await res.json()) as { ticketNumber: number }).ticketNumber;
  const sent = await t.api('POST', `/tickets/${number}/messages`, { text });
  expect(sent.status).toBe(201);
  return { number, id: ((await sent.json()) as { messageId: string }).messageId };
}

async function delivery(number: number, id: string) {
  const ticket = (await (await t.api('GET', `/tickets/${number}`)).json()) as { messages: Array<{ id: string; delivery: { state: string; attempts: number; error: string | null } | null }> };
  return ticket.messages.find((m) => m.id === id)?.delivery;
}

describe('rate limits of the platform', () => {
  it('with 2 attempts, a message rate-limited 5 times in a row still arrives, once, after the waits asked for', async () => {
    const limited = Array.from({ length: 5 }, () => ({ status: 429, retryAfter: '0.2' }));
    hook.failNext(limited);
    const { number, id } = await replyToNewTicket('through the rate limit');
    const d = await eventually(async () => {
      const state = await delivery(number, id);
      return state?.state === 'sent' ? state : undefined;
    }, 10_000, 'state sent');
    expect(hook.attempts).toHaveLength(6);
    expect(hook.received.filter((r) => r.body.messageId === id)).toHaveLength(1);
    // Each wait is what the platform asked for (200 ms), not our 50 ms backoff.
    for (let i = 1; i < hook.attempts.length; i++) expect(hook.attempts[i]! - hook.attempts[i - 1]!).toBeGreaterThanOrEqual(190);
    // The waits spent no attempt: the send that went through was the first.
    expect(d).toMatchObject({ attempts: 1, error: null });
  });

  it('shows the rate limit while the message waits', async () => {
    hook.failNext([{ status: 429, retryAfter: '2' }]);
    const { number, id } = await replyToNewTicket('waits two seconds');
    const waiting = await eventually(async () => {
      const state = await delivery(number, id);
      return state?.error ? state : undefined;
    }, 5000, 'the wait recorded');
    expect(waiting).toMatchObject({ state: 'queued', attempts: 0, error: 'webhook answered 429' });
    await eventually(async () => (await delivery(number, id))?.state === 'sent', 8000, 'state sent');
  });

  it('ordinary failures still count: two 503s fail the message with 2 attempts', async () => {
    hook.failNext([{ status: 429, retryAfter: '0.1' }, 503, 503]);
    const { number, id } = await replyToNewTicket('never arrives');
    const d = await eventually(async () => {
      const state = await delivery(number, id);
      return state?.state === 'failed' ? state : undefined;
    }, 8000, 'state failed');
    expect(d).toMatchObject({ attempts: 2, error: 'webhook answered 503' });
    expect(hook.received.filter((r) => r.body.messageId === id)).toHaveLength(0);
  });
});
