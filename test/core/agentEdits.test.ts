/**
 * Agents' edits of their replies (src/core/agentEdits.ts) through the REST API, on the API
 * channel (a signed webhook) and the widget (its live socket, and its history): delivered,
 * retried through an outage, done once, folded into a send that has not happened yet, and refused
 * where they must be.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ForbiddenError } from '../../src/core/errors.js';
import { API_SECRET, eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';

let t: TestGateway;
let hook: WebhookReceiver;

beforeAll(async () => {
  hook = await startWebhookReceiver(API_SECRET);
  t = await startTestGateway({ API_CHANNEL_WEBHOOK_URL: hook.url, BOT_ENABLED: 'false', DELIVERY_MAX_ATTEMPTS: '20' });
  for (const [handle, name] of [['anna', 'Anna'], ['boris', 'Boris']]) expect((await t.api('POST', '/agents', { handle, name })).status).toBe(201);
});
afterAll(async () => {
  await t?.stop();
  await hook?.close();
});
beforeEach(() => hook.reset());

/** A customer of the API channel writes; returns the ticket number. */
async function apiTicket(text = 'Сколько стоит доставка?'): Promise<{ number: number; chatId: string }> {
  const chatId = `c-${randomUUID()}`;
  const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: `u-${chatId}`, name: 'Ivan' }, text });
  expect(res.status).toBe(202);
  return { number: ((await res.json()) as { ticketNumber: number }).ticketNumber, chatId };
}

async function reply(number: number, body: Record<string, unknown>): Promise<string> {
  const res = await t.api('POST', `/tickets/${number}/messages`, body);
  expect(res.status).toBe(201);
  return ((await res.json()) as { messageId: string }).messageId;
}

const edit = (number: number, messageId: string, body: Record<string, unknown>) => t.api('PATCH', `/tickets/${number}/messages/${messageId}`, body);

const received = (chatId: string) => hook.received.filter((r) => r.body.chatId === chatId);

async function delivered(messageId: string): Promise<void> {
  await eventually(async () => (await t.gateway.db.message.findUnique({ where: { id: messageId } }))?.deliveryState === 'sent', 8000, 'the reply delivered');
}

describe('an agent edits a reply through the REST API', () => {
  it('the API channel gets a signed message.edited webhook; the message, its edit and the audit trail say so', async () => {
    const { number, chatId } = await apiTicket();
    const id = await reply(number, { text: 'Доставка стоит 300 руб.', agent: 'anna' });
    await delivered(id);

    const res = await edit(number, id, { text: 'Доставка стоит 350 руб.', agent: 'anna' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { edited: boolean; delivery: string; editId: string };
    expect(body).toMatchObject({ edited: true, delivery: 'queued' });

    const event = await eventually(() => received(chatId).find((r) => r.body.event === 'message.edited'), 8000, 'the edit webhook');
    expect(event.signatureValid).toBe(true);
    expect(event.body).toMatchObject({ event: 'message.edited', chatId, messageId: id, text: 'Доставка стоит 350 руб.', previousText: 'Доставка стоит 300 руб.', ticketNumber: number, author: { kind: 'agent', name: 'Anna' } });

    const row = await eventually(async () => {
      const e = await t.gateway.db.messageEdit.findUniqueOrThrow({ where: { id: body.editId } });
      return e.deliveryState === 'sent' ? e : undefined;
    }, 5000, 'the edit marked sent');
    expect(row.previousText).toBe('Доставка стоит 300 руб.');
    const ticket = (await (await t.api('GET', `/tickets/${number}`)).json()) as { messages: Array<{ id: string; text: string; edits?: Array<{ previousText: string }> }> };
    const m = ticket.messages.find((x) => x.id === id)!;
    expect(m.text).toBe('Доставка стоит 350 руб.');
    expect(m.edits?.map((e) => e.previousText)).toEqual(['Доставка стоит 300 руб.']);
    const audit = await t.gateway.db.ticketEvent.findMany({ where: { ticket: { number }, type: 'reply_edited' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorKind: 'agent', actorName: 'Anna', data: { messageId: id, previousText: 'Доставка стоит 300 руб.', text: 'Доставка стоит 350 руб.' } });
  });

  it('the same text again changes nothing and sends nothing', async () => {
    const { number, chatId } = await apiTicket();
    const id = await reply(number, { text: 'Заказ будет завтра', agent: 'anna' });
    await delivered(id);
    expect((await (await edit(number, id, { text: 'Заказ будет в пятницу' })).json()) as object).toMatchObject({ edited: true });
    await eventually(() => received(chatId).some((r) => r.body.event === 'message.edited'), 8000, 'the edit webhook');
    const again = await edit(number, id, { text: 'Заказ будет в пятницу' });
    expect(await again.json()).toEqual({ messageId: id, edited: false });
    await new Promise((r) => setTimeout(r, 700));
    expect(received(chatId).filter((r) => r.body.event === 'message.edited')).toHaveLength(1);
    expect(await t.gateway.db.messageEdit.count({ where: { messageId: id } })).toBe(1);
  });

  it('a 5xx from the platform is retried until the edit gets through', async () => {
    const { number, chatId } = await apiTicket();
    const id = await reply(number, { text: 'Возврат 1000 руб.', agent: 'anna' });
    await delivered(id);
    hook.failNext([503, 502, 500]);
    const attemptsBefore = hook.attempts.length;
    expect((await edit(number, id, { text: 'Возврат 1500 руб.' })).status).toBe(200);
    const event = await eventually(() => received(chatId).find((r) => r.body.event === 'message.edited'), 10_000, 'the edit webhook after the outage');
    expect(event.body.text).toBe('Возврат 1500 руб.');
    expect(hook.attempts.length - attemptsBefore).toBe(4);
    const row = await eventually(() => t.gateway.db.messageEdit.findFirst({ where: { messageId: id, deliveryState: 'sent' } }).then((r) => r ?? undefined), 5000, 'the edit marked sent');
    expect(row.deliveryAttempts).toBe(4);
  });

  it('a reply not sent yet goes out with the new text, and no edit follows', async () => {
    const { number, chatId } = await apiTicket();
    hook.failAlways(503);
    const id = await reply(number, { text: 'Черновик с ошибкой', agent: 'anna' });
    await eventually(() => received(chatId).length === 0 && hook.attempts.length > 0, 5000, 'a failed first attempt');
    const res = await edit(number, id, { text: 'Исправленный ответ' });
    expect(await res.json()).toMatchObject({ edited: true, delivery: 'with_send' });
    hook.failAlways(null);
    await eventually(() => received(chatId).length > 0, 10_000, 'the reply');
    await new Promise((r) => setTimeout(r, 700));
    expect(received(chatId).map((r) => [r.body.event ?? 'reply', r.body.text])).toEqual([['reply', 'Исправленный ответ']]);
  });

  it('a note is edited but never delivered; bot and customer messages, other tickets and other agents are refused', async () => {
    const { number, chatId } = await apiTicket();
    const note = await reply(number, { text: 'клиент VIP', internal: true, agent: 'anna' });
    expect(await (await edit(number, note, { text: 'клиент VIP, скидка 5%' })).json()).toMatchObject({ edited: true, delivery: 'none' });
    expect((await t.gateway.db.message.findUniqueOrThrow({ where: { id: note } })).text).toBe('клиент VIP, скидка 5%');

    const customer = await t.gateway.db.message.findFirstOrThrow({ where: { ticket: { number }, authorKind: 'customer' } });
    expect((await edit(number, customer.id, { text: 'x' })).status).toBe(400);
    const other = await apiTicket('другой вопрос');
    expect((await edit(other.number, note, { text: 'x' })).status).toBe(404);
    expect((await edit(number, randomUUID(), { text: 'x' })).status).toBe(404);
    expect((await edit(number, note, { text: '  ' })).status).toBe(400);

    // The core refuses an agent editing someone else's reply (a signed-in agent is always themselves).
    const boris = await t.gateway.db.agent.findUniqueOrThrow({ where: { handle: 'boris' } });
    await expect(t.gateway.agentEdits.edit({ messageId: note, text: 'чужая правка', actor: { agentId: boris.id, name: 'Boris', admin: false } })).rejects.toBeInstanceOf(ForbiddenError);
    await new Promise((r) => setTimeout(r, 300));
    expect(received(chatId)).toHaveLength(0);
  });

  it('is in the OpenAPI document', async () => {
    const spec = (await (await fetch(`${t.baseUrl}/api/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(spec.paths['/api/v1/tickets/{number}/messages/{messageId}']?.patch).toBeDefined();
  });
});

describe('an agent edits a reply in the widget', () => {
  interface Frame {
    type: string;
    message?: { id: string; text: string; editedAt?: string; author: { kind: string } };
    messages?: Array<{ id: string; text: string; editedAt?: string }>;
    ticketNumber?: number;
  }

  async function visitor(token?: string) {
    const session = (await (await fetch(`${t.baseUrl}/widget/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(token ? { token } : {}) })).json()) as { token: string };
    const ws = new WebSocket(`${t.baseUrl.replace(/^http/, 'ws')}/widget/ws?token=${encodeURIComponent(session.token)}`);
    const frames: Frame[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as Frame));
    await eventually(() => frames.some((f) => f.type === 'hello'), 5000, 'hello');
    return { ws, frames, token: session.token };
  }

  it('the open widget gets the new text marked edited, and the history has it', async () => {
    const v = await visitor();
    v.ws.send(JSON.stringify({ type: 'start', clientId: randomUUID(), name: 'Оля', email: 'olya@example.com', text: 'Когда привезут?', lang: 'ru' }));
    const number = await eventually(() => v.frames.find((f) => f.type === 'ack')?.ticketNumber, 5000, 'ack');
    const id = await reply(number, { text: 'Привезём в среду', agent: 'anna' });
    await eventually(() => v.frames.find((f) => f.type === 'message' && f.message?.id === id), 5000, 'the reply');
    await delivered(id);

    expect((await edit(number, id, { text: 'Привезём в четверг' })).status).toBe(200);
    const pushed = await eventually(() => v.frames.find((f) => f.type === 'message' && f.message?.id === id && f.message.editedAt)?.message, 5000, 'the edit pushed');
    expect(pushed).toMatchObject({ id, text: 'Привезём в четверг', author: { kind: 'agent' } });
    v.ws.close();

    const back = await visitor(v.token);
    const hello = back.frames.find((f) => f.type === 'hello')!;
    expect(hello.messages?.find((m) => m.id === id)).toMatchObject({ text: 'Привезём в четверг', editedAt: expect.any(String) });
    back.ws.close();
  });
});
