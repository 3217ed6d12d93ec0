/** Customers' edits of their messages: recorded, announced, and shown in the ticket. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvents } from '../../src/core/events.js';
import type { InboundMessage } from '../../src/core/model.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
const edited: Array<DomainEvents['message.edited']> = [];
beforeAll(async () => {
  t = await startTestGateway({ BOT_ENABLED: 'false' });
  t.gateway.events.on('message.edited', (e) => void edited.push(e));
});
afterAll(async () => {
  await t?.stop();
});

async function customerMessage(text: string): Promise<{ msg: InboundMessage; ticketNumber: number; messageId: string }> {
  const chatId = randomUUID();
  const msg: InboundMessage = { channel: 'telegram', chatId, messageId: `${chatId}:7`, from: { id: `u-${chatId}`, name: 'Olga' }, text };
  const result = await t.gateway.pipeline.ingest(msg);
  return { msg, ticketNumber: result.ticketNumber, messageId: result.messageId };
}

interface MessageView {
  id: string;
  text: string;
  editedAt: string | null;
  edits: Array<{ previousText: string; editedAt: string }>;
}

async function messageView(ticketNumber: number, id: string): Promise<MessageView> {
  const ticket = (await (await t.api('GET', `/tickets/${ticketNumber}`)).json()) as { messages: MessageView[] };
  return ticket.messages.find((m) => m.id === id)!;
}

describe('message edits', () => {
  it('keeps the previous text, announces the edit, and shows it in the ticket', async () => {
    const { msg, ticketNumber, messageId } = await customerMessage('order 41 is late');
    const editedAt = new Date('2026-11-23T10:00:00Z');
    edited.length = 0;
    expect(await t.gateway.pipeline.edit({ channel: 'telegram', chatId: msg.chatId, messageId: msg.messageId, text: 'order 42 is late', editedAt })).toBe(true);

    await t.gateway.events.idle();
    expect(edited).toEqual([
      expect.objectContaining({ ticketNumber, messageId, channel: 'telegram', text: 'order 42 is late', previousText: 'order 41 is late', editedAt }),
    ]);
    const view = await messageView(ticketNumber, messageId);
    expect(view.text).toBe('order 42 is late');
    expect(view.editedAt).toBe(editedAt.toISOString());
    expect(view.edits).toEqual([{ previousText: 'order 41 is late', editedAt: editedAt.toISOString() }]);
  });

  it('records nothing new for a redelivered edit, and keeps edits in order', async () => {
    const { msg, ticketNumber, messageId } = await customerMessage('v1');
    const edit = (text: string, at: string) => t.gateway.pipeline.edit({ channel: 'telegram', chatId: msg.chatId, messageId: msg.messageId, text, editedAt: new Date(at) });
    expect(await edit('v2', '2026-11-23T10:00:00Z')).toBe(true);
    expect(await edit('v2', '2026-11-23T10:00:00Z')).toBe(true);
    expect(await edit('v3', '2026-11-23T10:05:00Z')).toBe(true);
    // A late redelivery of the first edit must not bring its text back.
    expect(await edit('v2', '2026-11-23T10:00:00Z')).toBe(true);

    expect(await t.gateway.db.messageEdit.count({ where: { messageId } })).toBe(2);
    const view = await messageView(ticketNumber, messageId);
    expect(view.text).toBe('v3');
    expect(view.edits.map((e) => e.previousText)).toEqual(['v1', 'v2']);
  });

  it('answers false for a message it does not know, or one from another chat', async () => {
    const { msg } = await customerMessage('hello');
    expect(await t.gateway.pipeline.edit({ channel: 'telegram', chatId: msg.chatId, messageId: 'no-such-message', text: 'x' })).toBe(false);
    expect(await t.gateway.pipeline.edit({ channel: 'telegram', chatId: randomUUID(), messageId: msg.messageId, text: 'x' })).toBe(false);
    expect(await t.gateway.pipeline.edit({ channel: 'vk', chatId: msg.chatId, messageId: msg.messageId, text: 'x' })).toBe(false);
  });

  it('shows editedAt as null and no edits for a message never edited', async () => {
    const { ticketNumber, messageId } = await customerMessage('plain');
    const view = await messageView(ticketNumber, messageId);
    expect(view.editedAt).toBeNull();
    expect(view.edits).toEqual([]);
  });
});
