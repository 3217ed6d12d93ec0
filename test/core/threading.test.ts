/** Threading, idempotency and concurrency of the inbound pipeline, on real PostgreSQL. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundMessage } from '../../src/core/model.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t?.stop();
});

function message(chatId: string, text: string, extra: Partial<InboundMessage> = {}): InboundMessage {
  return { channel: 'api', chatId, messageId: randomUUID(), from: { id: `user-${chatId}`, name: 'Ivan' }, text, ...extra };
}

describe('inbound pipeline', () => {
  it('numbers tickets from #1001 and threads follow-up messages into the open ticket', async () => {
    const chat = randomUUID();
    const first = await t.gateway.pipeline.ingest(message(chat, 'Where is my order?'));
    const second = await t.gateway.pipeline.ingest(message(chat, 'It is order 42'));
    expect(first.ticketCreated).toBe(true);
    expect(first.ticketNumber).toBeGreaterThanOrEqual(1001);
    expect(second.ticketCreated).toBe(false);
    expect(second.ticketNumber).toBe(first.ticketNumber);
    const messages = await t.gateway.db.message.findMany({ where: { ticketId: first.ticketId } });
    expect(messages.map((m) => m.text).sort()).toEqual(['It is order 42', 'Where is my order?']);
  });

  it('stores a message delivered twice only once', async () => {
    const msg = message(randomUUID(), 'hello twice');
    const a = await t.gateway.pipeline.ingest(msg);
    const b = await t.gateway.pipeline.ingest({ ...msg });
    expect(b.duplicate).toBe(true);
    expect(b.messageId).toBe(a.messageId);
    expect(await t.gateway.db.message.count({ where: { platformMessageId: msg.messageId } })).toBe(1);
  });

  it('stores a message delivered twice at the same instant only once', async () => {
    const msg = message(randomUUID(), 'racing duplicate');
    const results = await Promise.all([t.gateway.pipeline.ingest(msg), t.gateway.pipeline.ingest({ ...msg }), t.gateway.pipeline.ingest({ ...msg })]);
    expect(new Set(results.map((r) => r.messageId)).size).toBe(1);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await t.gateway.db.message.count({ where: { platformMessageId: msg.messageId } })).toBe(1);
  });

  it('gives one ticket when a new customer sends several messages at once', async () => {
    const chat = randomUUID();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => t.gateway.pipeline.ingest(message(chat, `burst ${i}`))));
    expect(new Set(results.map((r) => r.ticketNumber)).size).toBe(1);
    expect(results.filter((r) => r.ticketCreated)).toHaveLength(1);
    const conversation = await t.gateway.db.conversation.findUniqueOrThrow({ where: { channel_externalChatId: { channel: 'api', externalChatId: chat } } });
    expect(await t.gateway.db.ticket.count({ where: { conversationId: conversation.id } })).toBe(1);
    expect(await t.gateway.db.contact.count({ where: { identities: { some: { externalId: `user-${chat}` } } } })).toBe(1);
  });

  it('reopens a resolved ticket when the customer writes again', async () => {
    const chat = randomUUID();
    const first = await t.gateway.pipeline.ingest(message(chat, 'my card does not work'));
    await t.gateway.tickets.update(first.ticketNumber, { status: 'resolved' }, { kind: 'agent', name: 'test' });
    const again = await t.gateway.pipeline.ingest(message(chat, 'still broken'));
    expect(again.ticketNumber).toBe(first.ticketNumber);
    const ticket = await t.gateway.db.ticket.findUniqueOrThrow({ where: { number: first.ticketNumber }, include: { events: true } });
    expect(ticket.status).toBe('open');
    expect(ticket.resolvedAt).toBeNull();
    expect(ticket.events.map((e) => e.type)).toContain('reopened');
  });

  it('takes a pending ticket back to open when the customer answers', async () => {
    const chat = randomUUID();
    const first = await t.gateway.pipeline.ingest(message(chat, 'refund please'));
    await t.gateway.tickets.update(first.ticketNumber, { status: 'pending', pendingUntil: new Date(Date.now() + 3600_000) }, { kind: 'agent' });
    await t.gateway.pipeline.ingest(message(chat, 'here is the receipt'));
    const ticket = await t.gateway.db.ticket.findUniqueOrThrow({ where: { number: first.ticketNumber } });
    expect(ticket.status).toBe('open');
    expect(ticket.pendingUntil).toBeNull();
  });

  it('opens a new ticket linked to the old one after the ticket is closed', async () => {
    const chat = randomUUID();
    const first = await t.gateway.pipeline.ingest(message(chat, 'question one'));
    await t.gateway.tickets.update(first.ticketNumber, { status: 'closed' }, { kind: 'agent' });
    const next = await t.gateway.pipeline.ingest(message(chat, 'question two'));
    expect(next.ticketCreated).toBe(true);
    expect(next.ticketNumber).toBeGreaterThan(first.ticketNumber);
    const ticket = await t.gateway.db.ticket.findUniqueOrThrow({ where: { number: next.ticketNumber }, include: { previousTicket: true } });
    expect(ticket.previousTicket?.number).toBe(first.ticketNumber);
    expect(ticket.status).toBe('new');
  });

  it('starts the ticket clock at the time the platform says the message was sent', async () => {
    const sentAt = new Date('2026-11-20T12:00:00Z');
    const r = await t.gateway.pipeline.ingest(message(randomUUID(), 'old message', { sentAt, topic: 'delivery' }));
    const ticket = await t.gateway.db.ticket.findUniqueOrThrow({ where: { number: r.ticketNumber } });
    expect(ticket.openedAt.toISOString()).toBe(sentAt.toISOString());
    expect(ticket.category).toBe('delivery');
  });

  it('publishes domain events for a new ticket and a received message', async () => {
    const seen: string[] = [];
    const offs = [
      t.gateway.events.on('ticket.created', (e) => void seen.push(`created:${e.ticketNumber}`)),
      t.gateway.events.on('message.received', (e) => void seen.push(`received:${e.ticketNumber}`)),
    ];
    const r = await t.gateway.pipeline.ingest(message(randomUUID(), 'events please'));
    await t.gateway.events.idle();
    offs.forEach((off) => off());
    expect(seen).toEqual([`created:${r.ticketNumber}`, `received:${r.ticketNumber}`]);
  });

  it('fills in the contact from the profile without overwriting what is known', async () => {
    const chat = randomUUID();
    await t.gateway.pipeline.ingest(message(chat, 'hi', { from: { id: `p-${chat}`, name: 'Anna' } }));
    await t.gateway.pipeline.ingest(message(chat, 'my email', { from: { id: `p-${chat}`, name: 'Someone Else', email: 'anna@example.com' } }));
    await t.gateway.pipeline.ingest(message(chat, 'new nick', { from: { id: `p-${chat}`, username: 'anna_k', email: 'other@example.com' } }));
    const identity = await t.gateway.db.channelIdentity.findUniqueOrThrow({ where: { channel_externalId: { channel: 'api', externalId: `p-${chat}` } }, include: { contact: true } });
    expect(identity.contact.name).toBe('Anna');
    expect(identity.contact.email).toBe('anna@example.com');
    expect(identity.username).toBe('anna_k');
  });

  it('drops NUL characters, which PostgreSQL cannot store, instead of failing the message', async () => {
    const chat = randomUUID();
    const r = await t.gateway.pipeline.ingest(message(chat, 'nul\u0000here', { from: { id: `nul-${chat}`, name: 'A\u0000nna' } }));
    const stored = await t.gateway.db.message.findUniqueOrThrow({ where: { id: r.messageId } });
    expect(stored.text).toBe('nulhere');
    expect(stored.authorName).toBe('Anna');
  });

  it('links a message to the earlier one it replies to, on both the first and the follow-up path', async () => {
    const chat = randomUUID();
    const first = await t.gateway.pipeline.ingest(message(chat, 'my order is late'));
    const second = await t.gateway.pipeline.ingest(message(chat, 'see above', { replyToMessageId: (await platformId(first.messageId)) }));
    const unknown = await t.gateway.pipeline.ingest(message(chat, 'replying to something we never saw', { replyToMessageId: 'nope' }));
    const reopenChat = randomUUID();
    const opened = await t.gateway.pipeline.ingest(message(reopenChat, 'hello'));
    await t.gateway.db.ticket.update({ where: { id: opened.ticketId }, data: { status: 'resolved' } });
    const onReopen = await t.gateway.pipeline.ingest(message(reopenChat, 'about that', { replyToMessageId: (await platformId(opened.messageId)) }));
    const stored = async (id: string) => (await t.gateway.db.message.findUniqueOrThrow({ where: { id } })).replyToId;
    expect(await stored(second.messageId)).toBe(first.messageId);
    expect(await stored(unknown.messageId)).toBeNull();
    expect(await stored(onReopen.messageId)).toBe(opened.messageId);
  });

  it('keeps the platform send time of follow-up messages', async () => {
    const chat = randomUUID();
    await t.gateway.pipeline.ingest(message(chat, 'first'));
    const sentAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 3_600_250); // later than 'first'
    const r = await t.gateway.pipeline.ingest(message(chat, 'second', { sentAt }));
    const stored = await t.gateway.db.message.findUniqueOrThrow({ where: { id: r.messageId } });
    expect(stored.sentAt.toISOString()).toBe(sentAt.toISOString());
    const conversation = await t.gateway.db.conversation.findUniqueOrThrow({ where: { id: r.conversationId } });
    expect(conversation.lastMessageAt.toISOString()).toBe(sentAt.toISOString());
  });
});

async function platformId(messageId: string): Promise<string> {
  return (await t.gateway.db.message.findUniqueOrThrow({ where: { id: messageId } })).platformMessageId ?? '';
}
