/** Reliable outbound delivery through real BullMQ and PostgreSQL, to the API channel's webhook. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_SECRET, eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';

let t: TestGateway;
let hook: WebhookReceiver;
beforeAll(async () => {
  hook = await startWebhookReceiver(API_SECRET);
  t = await startTestGateway({ API_CHANNEL_WEBHOOK_URL: hook.url });
  await t.api('POST', '/agents', { handle: 'ivan', name: 'Иван', email: 'ivan@example.com' });
});
afterAll(async () => {
  await t?.stop();
  await hook?.close();
});
beforeEach(() => hook.reset());

async function newTicket(text = 'help'): Promise<{ number: number; chatId: string }> {
  const chatId = randomUUID();
  const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: `u-${chatId}`, name: 'Olga' }, text });
  expect(res.status).toBe(202);
  return { number: ((await res.json()) as { ticketNumber: number }).ticketNumber, chatId };
}

async function reply(number: number, text: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await t.api('POST', `/tickets/${number}/messages`, { text, agent: 'ivan', ...extra });
  expect(res.status).toBe(201);
  return ((await res.json()) as { messageId: string }).messageId;
}

async function delivery(number: number, messageId: string) {
  const ticket = (await (await t.api('GET', `/tickets/${number}`)).json()) as { messages: Array<{ id: string; delivery: { state: string; attempts: number; error: string | null } | null }> };
  return ticket.messages.find((m) => m.id === messageId)?.delivery;
}

describe('outbound delivery', () => {
  it('delivers an agent reply to the webhook, signed, and marks it sent', async () => {
    const { number, chatId } = await newTicket();
    const id = await reply(number, 'Здравствуйте! Уже смотрю.');
    const got = await eventually(() => hook.received.find((r) => r.body.messageId === id), 5000, 'webhook call');
    expect(got.signatureValid).toBe(true);
    expect(got.body).toMatchObject({ chatId, text: 'Здравствуйте! Уже смотрю.', ticketNumber: number, author: { kind: 'agent', name: 'Иван' } });
    await eventually(async () => (await delivery(number, id))?.state === 'sent', 5000, 'state sent');
  });

  it('retries after platform errors and delivers once', async () => {
    const { number } = await newTicket();
    hook.failNext([503, 502]);
    const id = await reply(number, 'after two failures');
    await eventually(async () => (await delivery(number, id))?.state === 'sent', 8000, 'state sent');
    expect(hook.received.filter((r) => r.body.messageId === id)).toHaveLength(1);
    expect((await delivery(number, id))?.attempts).toBe(3);
  });

  it('honours a platform retry-after before trying again', async () => {
    const { number } = await newTicket();
    hook.failNext([{ status: 429, retryAfter: '1' }]);
    const id = await reply(number, 'rate limited');
    await eventually(async () => (await delivery(number, id))?.state === 'sent', 8000, 'state sent');
    expect(hook.attempts).toHaveLength(2);
    // Our own backoff would be ~50 ms; the platform asked for a second.
    expect(hook.attempts[1]! - hook.attempts[0]!).toBeGreaterThanOrEqual(950);
  });

  it('ends a message that keeps failing as failed, with its error visible in the API', async () => {
    const { number } = await newTicket();
    hook.failAlways(500);
    const id = await reply(number, 'never arrives');
    const d = await eventually(async () => {
      const state = await delivery(number, id);
      return state?.state === 'failed' ? state : undefined;
    }, 10_000, 'state failed');
    expect(d.attempts).toBe(4);
    expect(d.error).toContain('500');
  });

  it('does not retry what the platform refuses for good', async () => {
    const { number } = await newTicket();
    hook.failNext([400]);
    const id = await reply(number, 'bad request');
    const d = await eventually(async () => {
      const state = await delivery(number, id);
      return state?.state === 'failed' ? state : undefined;
    }, 5000, 'state failed');
    expect(d.attempts).toBe(1);
    expect(hook.attempts).toHaveLength(1);
  });

  it('keeps a conversation in order when an earlier reply has to be retried', async () => {
    const { number } = await newTicket();
    hook.failNext([503]);
    const first = await reply(number, 'first');
    const second = await reply(number, 'second');
    await eventually(async () => (await delivery(number, second))?.state === 'sent', 8000, 'second sent');
    const order = hook.received.filter((r) => r.body.messageId === first || r.body.messageId === second).map((r) => r.body.text);
    expect(order).toEqual(['first', 'second']);
  });

  it('never sends an internal note', async () => {
    const { number } = await newTicket();
    const note = await reply(number, 'customer seems upset', { internal: true });
    const visible = await reply(number, 'visible reply');
    await eventually(() => hook.received.find((r) => r.body.messageId === visible), 5000, 'visible reply');
    expect(hook.received.find((r) => r.body.messageId === note)).toBeUndefined();
    expect(await delivery(number, note)).toBeNull();
  });
});
