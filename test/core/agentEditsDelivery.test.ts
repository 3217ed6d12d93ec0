/**
 * Delivering agents' edits (src/core/agentEdits.ts, src/core/delivery/edits.ts) through the real
 * worker, queue and sweep, on a stand-in channel that can edit: an edit landing while the reply
 * is being sent still reaches the customer (even when its job cannot be queued at that moment),
 * two edits of one message reach the platform in order, an unchanged text (but for whitespace)
 * is no edit, and an edit whose job cannot be queued still succeeds and is delivered by the sweep.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvents } from '../../src/core/events.js';
import type { ChannelSender, OutboundEdit, OutboundMessage, SendResult } from '../../src/core/model.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { FakeAdapter } from '../support/fakeAdapter.js';

interface EditCall {
  chatId: string;
  text: string;
  sentText: string;
  phase: 'start' | 'end';
}

/** A channel that can edit: records sends and edits; a send may run something before it returns, an edit may be held. */
class EditingSender implements ChannelSender {
  readonly channel = 'whatsapp' as const;
  readonly sent: Array<{ chatId: string; text: string }> = [];
  readonly edits: EditCall[] = [];
  /** Runs while the reply with this text is being sent (before send returns). */
  readonly duringSend = new Map<string, (message: OutboundMessage) => Promise<void>>();
  /** Holds the next edit until it resolves. */
  editGate: Promise<void> | null = null;

  async send(message: OutboundMessage): Promise<SendResult> {
    const during = this.duringSend.get(message.text);
    if (during) {
      this.duringSend.delete(message.text);
      await during(message);
    }
    this.sent.push({ chatId: message.chatId, text: message.text });
    return { platformMessageId: `out-${message.id}` };
  }

  async edit(e: OutboundEdit): Promise<void> {
    const call = { chatId: e.message.chatId, text: e.message.text, sentText: e.sentText };
    this.edits.push({ ...call, phase: 'start' });
    const gate = this.editGate;
    this.editGate = null;
    if (gate) await gate;
    this.edits.push({ ...call, phase: 'end' });
  }
}

const sender = new EditingSender();
let t: TestGateway;
const replyEdited: Array<DomainEvents['reply.edited']> = [];

beforeAll(async () => {
  t = await startTestGateway({ BOT_ENABLED: 'false', DELIVERY_MAX_ATTEMPTS: '20' }, { adapters: () => [new FakeAdapter('whatsapp', sender)] });
  expect((await t.api('POST', '/agents', { handle: 'anna', name: 'Anna' })).status).toBe(201);
  t.gateway.events.on('reply.edited', (e) => void replyEdited.push(e));
});
afterAll(async () => {
  await t?.stop();
});

async function customerTicket(): Promise<{ number: number; chatId: string }> {
  const chatId = `7916${Math.floor(Math.random() * 1e7)}@c.us`;
  const result = await t.gateway.pipeline.ingest({ channel: 'whatsapp', chatId, messageId: `wa-${randomUUID()}`, from: { id: chatId, name: 'Pavel' }, text: 'Сколько стоит доставка?' });
  return { number: result.ticketNumber, chatId };
}

async function reply(number: number, text: string): Promise<string> {
  const res = await t.api('POST', `/tickets/${number}/messages`, { text, agent: 'anna' });
  expect(res.status).toBe(201);
  return ((await res.json()) as { messageId: string }).messageId;
}

async function delivered(messageId: string): Promise<void> {
  await eventually(async () => (await t.gateway.db.message.findUnique({ where: { id: messageId } }))?.deliveryState === 'sent', 8000, 'the reply delivered');
}

const admin = { agentId: null, name: 'Admin', admin: true };
const editsTo = (chatId: string, phase: 'start' | 'end') => sender.edits.filter((e) => e.chatId === chatId && e.phase === phase);

describe('agents’ edits on a channel that can edit', () => {
  it('an edit landing while the reply is being sent reaches the customer, even when its job cannot be queued then', async () => {
    const { number, chatId } = await customerTicket();
    const afterSend = t.gateway.agentEdits.afterSend.bind(t.gateway.agentEdits);
    // Redis away just as the worker would queue the edit: only PostgreSQL (and the sweep) can save it.
    t.gateway.agentEdits.afterSend = () => Promise.reject(new Error('Redis is away'));
    let outcome: unknown;
    sender.duringSend.set('Доставка 300 руб.', async (m) => {
      outcome = await t.gateway.agentEdits.edit({ messageId: m.id, text: 'Доставка 350 руб.', actor: admin });
    });
    try {
      const id = await reply(number, 'Доставка 300 руб.');
      await delivered(id);
      expect(outcome).toMatchObject({ kind: 'edited', delivery: 'with_send' });
      // Queued in the very transaction that marked the reply sent.
      const edit = await t.gateway.db.messageEdit.findFirstOrThrow({ where: { messageId: id } });
      expect(edit.deliveryState).not.toBeNull();

      await eventually(() => editsTo(chatId, 'end').length > 0, 8000, 'the edit delivered by the sweep');
      expect(sender.sent.filter((s) => s.chatId === chatId).map((s) => s.text)).toEqual(['Доставка 300 руб.']);
      expect(editsTo(chatId, 'end')).toEqual([{ chatId, text: 'Доставка 350 руб.', sentText: 'Доставка 300 руб.', phase: 'end' }]);
      await eventually(async () => (await t.gateway.db.messageEdit.findUniqueOrThrow({ where: { id: edit.id } })).deliveryState === 'sent', 5000, 'the edit marked sent');
    } finally {
      t.gateway.agentEdits.afterSend = afterSend;
    }
  });

  it('two edits of one message reach the platform in order: the second waits while the first is on its way', async () => {
    const { number, chatId } = await customerTicket();
    const id = await reply(number, 'Скидка 5%');
    await delivered(id);
    let release!: () => void;
    sender.editGate = new Promise<void>((resolve) => (release = resolve));

    expect(await t.gateway.agentEdits.edit({ messageId: id, text: 'Скидка 10%', actor: admin })).toMatchObject({ kind: 'edited', delivery: 'queued' });
    await eventually(() => editsTo(chatId, 'start').length === 1, 8000, 'the first edit on its way');
    expect(await t.gateway.agentEdits.edit({ messageId: id, text: 'Скидка 15%', actor: admin })).toMatchObject({ kind: 'edited', delivery: 'queued' });
    await new Promise((r) => setTimeout(r, 800));
    // The second has not overtaken the first, still held on the platform.
    expect(editsTo(chatId, 'start')).toHaveLength(1);

    release();
    await eventually(() => editsTo(chatId, 'end').length === 2, 8000, 'both edits');
    expect(sender.edits.filter((e) => e.chatId === chatId).map((e) => `${e.phase}:${e.text}`)).toEqual(['start:Скидка 10%', 'end:Скидка 10%', 'start:Скидка 15%', 'end:Скидка 15%']);
    expect(editsTo(chatId, 'end').map((e) => e.sentText)).toEqual(['Скидка 5%', 'Скидка 5%']);
    await eventually(async () => (await t.gateway.db.messageEdit.count({ where: { messageId: id, deliveryState: 'sent' } })) === 2, 5000, 'both edits marked sent');
  });

  it('the same text but for surrounding whitespace is no edit', async () => {
    const { number } = await customerTicket();
    const id = await reply(number, 'Заказ готов');
    await delivered(id);
    // A text stored with whitespace around it (as a platform may hand it in).
    await t.gateway.db.message.update({ where: { id }, data: { text: 'Заказ готов \n' } });
    expect(await t.gateway.agentEdits.edit({ messageId: id, text: '  Заказ готов', actor: admin })).toEqual({ kind: 'unchanged', messageId: id });
    expect(await t.gateway.db.messageEdit.count({ where: { messageId: id } })).toBe(0);
  });

  it('an edit whose job cannot be queued (Redis away) still succeeds, is announced, and the sweep delivers it', async () => {
    const { number, chatId } = await customerTicket();
    const id = await reply(number, 'Возврат 1000 руб.');
    await delivered(id);
    const queue = t.gateway.deliveryQueue;
    const enqueueEdits = queue.enqueueEdits.bind(queue);
    queue.enqueueEdits = () => {
      queue.enqueueEdits = enqueueEdits;
      return Promise.reject(new Error('Redis is away'));
    };
    try {
      const outcome = await t.gateway.agentEdits.edit({ messageId: id, text: 'Возврат 1500 руб.', actor: admin });
      expect(outcome).toMatchObject({ kind: 'edited', delivery: 'queued' });
      await eventually(() => replyEdited.find((e) => e.messageId === id), 5000, 'reply.edited');
      await eventually(() => editsTo(chatId, 'end').some((e) => e.text === 'Возврат 1500 руб.'), 8000, 'the edit delivered by the sweep');
    } finally {
      queue.enqueueEdits = enqueueEdits;
    }
  });
});
