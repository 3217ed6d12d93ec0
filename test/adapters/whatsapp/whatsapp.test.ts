/**
 * The WhatsApp channel end to end, on real PostgreSQL and Redis: the gateway runs the adapter as
 * production builds it (createWhatsAppAdapter), with whatsapp-web.js swapped for a fake client.
 * Customers write through the fake; replies arrive at its sendMessage through the delivery queue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWhatsAppAdapter, type WhatsAppAdapter } from '../../../src/adapters/whatsapp/index.js';
import { planTurn } from '../../../src/kb/bot-plan.js';
import { SAMPLE_KB_DIR } from '../../../src/kb/setup.js';
import { ADMIN_TOKEN, eventually, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { customerMessage, FakeWhatsApp, newChatId } from './fake.js';

interface TicketJson {
  number: number;
  channel: string;
  botActive: boolean;
  contact: { name: string | null; phone: string | null };
  messages: Array<{
    id: string;
    direction: string;
    author: { kind: string; name: string | null };
    text: string;
    attachments: Array<{ kind: string; url?: string; mimeType?: string; size?: number; name?: string; data?: Record<string, unknown>; error?: string }>;
    edits: Array<{ previousText: string }>;
    delivery: { state: string } | null;
  }>;
}

const wa = new FakeWhatsApp();
let t: TestGateway;
let adapter: WhatsAppAdapter;

beforeAll(async () => {
  t = await startTestGateway(
    // Generous attempts: a reply waits in the queue while WhatsApp reconnects.
    { KB_DIR: SAMPLE_KB_DIR, WHATSAPP_ENABLED: 'true', DELIVERY_MAX_ATTEMPTS: '40' },
    {
      adapters: (deps) => [
        (adapter = createWhatsAppAdapter(deps, {
          driver: async () => wa,
          reconnect: { initialBackoffMs: 50, maxBackoffMs: 200 },
          send: { partIntervalMs: 0, sendTimeoutMs: 2000 },
          printQr: () => undefined,
        })),
      ],
    },
  );
  await adapter.connection.whenConnected();
});
afterAll(async () => {
  await t?.stop();
});

/** The ticket a customer's WhatsApp message went to. */
async function ticketOf(platformMessageId: string): Promise<TicketJson> {
  const number = await eventually(async () => {
    const m = await t.gateway.db.message.findUnique({
      where: { channel_platformMessageId: { channel: 'whatsapp', platformMessageId } },
      select: { ticket: { select: { number: true } } },
    });
    return m?.ticket?.number;
  }, 8000, `message ${platformMessageId} stored`);
  const res = await t.api('GET', `/tickets/${number}`);
  expect(res.status).toBe(200);
  return (await res.json()) as TicketJson;
}

/** Waits until the chat has received `n` messages; returns their texts. */
function textsTo(chatId: string, n: number, timeoutMs = 10_000): Promise<string[]> {
  return eventually(() => (wa.textsTo(chatId).length >= n ? wa.textsTo(chatId) : undefined), timeoutMs, `${n} messages sent to ${chatId}`);
}

describe('WhatsApp round trip', () => {
  it('customer writes, the bot answers from the KB, the customer asks for a person, an agent replies in the same chat', async () => {
    const chat = newChatId();
    const first = customerMessage(chat, { body: 'How long does delivery take?', contact: { pushname: 'Olga Petrova', number: chat.split('@')[0] } });
    wa.current.receive(first);

    // The bot answers with the article; WhatsApp has no buttons, so the text says how to answer.
    const [answer] = await textsTo(chat, 1);
    expect(answer).toMatch(/^How long does delivery take\n\nWe deliver within Moscow/);
    expect(answer!.endsWith('Did this help? Reply "yes" or "no".')).toBe(true);
    expect(answer).not.toMatch(/\n1\. /); // the bot's own buttons are not listed again

    wa.current.receive(customerMessage(chat, { body: 'I want to talk to a person' }));
    const texts = await textsTo(chat, 2);
    expect(texts[1]).toBe('I am passing your question to an agent: they will reply here as soon as they can.');

    const ticket = await ticketOf(first.id._serialized);
    expect(ticket.channel).toBe('whatsapp');
    expect(ticket.botActive).toBe(false);
    expect(ticket.contact).toMatchObject({ name: 'Olga Petrova', phone: `+${chat.split('@')[0]}` });

    const reply = await t.api('POST', `/tickets/${ticket.number}/messages`, { text: 'Hello Olga, your parcel leaves today.' });
    expect(reply.status).toBe(201);
    const all = await textsTo(chat, 3);
    expect(all[2]).toBe('Hello Olga, your parcel leaves today.');
    // Every reply went to the customer's chat, and was recorded as delivered with WhatsApp's id.
    expect(wa.sentTo(chat).every((s) => s.chatId === chat)).toBe(true);
    const { messageId } = (await reply.json()) as { messageId: string };
    const stored = await eventually(async () => {
      const m = await t.gateway.db.message.findUniqueOrThrow({ where: { id: messageId } });
      return m.deliveryState === 'sent' ? m : undefined;
    });
    expect(stored.platformMessageId).toBe(wa.sentTo(chat)[2]!.id);
  });

  it('maps a typed number back to the article the bot listed', async () => {
    // A question the bot is unsure about, so it lists articles (found with the bot's own policy:
    // which one it is depends on the KB's tuning).
    const { knowledge } = t.gateway;
    const question = ['доставка', 'заказ', 'оплата', 'возврат', 'аккаунт', 'пароль', 'карта', 'delivery', 'order', 'payment', 'account'].find(
      (q) => planTurn({ text: q, prompt: null }, knowledge.kb, knowledge.thresholds).action === 'suggest',
    );
    expect(question, 'a question the sample KB is unsure about').toBeDefined();
    const chat = newChatId();
    wa.current.receive(customerMessage(chat, { body: question! }));
    const [suggest] = await textsTo(chat, 1);
    expect(suggest).toMatch(/^(Возможно, вы имели в виду|Did you mean):\n1\. .+\n2\. .+\n(3\. .+\n)?\n(Ответьте номером|Reply with the number)/);
    const second = /\n2\. (.+)\n/.exec(suggest!)![1]!;
    wa.current.receive(customerMessage(chat, { body: '2' }));
    const texts = await textsTo(chat, 2);
    expect(texts[1]!.startsWith(`${second}\n\n`)).toBe(true);
    expect(texts[1]).toMatch(/(Это помогло\? Ответьте «да» или «нет»\.|Did this help\? Reply "yes" or "no"\.)$/);
  });

  it('stores a redelivered message once', async () => {
    const chat = newChatId();
    const msg = customerMessage(chat, { body: 'What payment methods do you accept?' });
    wa.current.receive(msg);
    wa.current.receive(msg);
    await textsTo(chat, 1);
    await adapter.idle();
    wa.current.receive(msg);
    await adapter.idle();
    await t.gateway.events.idle();
    const ticket = await ticketOf(msg.id._serialized);
    expect(ticket.messages.filter((m) => m.direction === 'inbound')).toHaveLength(1);
    expect(ticket.messages.filter((m) => m.author.kind === 'bot')).toHaveLength(1);
    expect(wa.textsTo(chat)).toHaveLength(1);
  });
});

describe('WhatsApp attachments, replies and edits', () => {
  it('keeps a photo, a voice note, a document, a location and a contact card, visible in the ticket', async () => {
    const chat = newChatId();
    const jpeg = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex');
    const photo = customerMessage(chat, {
      type: 'image',
      body: 'the parcel arrived broken',
      media: { mimetype: 'image/jpeg', data: jpeg.toString('base64'), filename: null, filesize: jpeg.length },
      _data: { mimetype: 'image/jpeg', size: jpeg.length },
    });
    wa.current.receive(photo);
    const ticket0 = await ticketOf(photo.id._serialized);
    const voice = customerMessage(chat, { type: 'ptt', media: { mimetype: 'audio/ogg; codecs=opus', data: Buffer.from('OggS-voice').toString('base64') } });
    const pdf = customerMessage(chat, { type: 'document', body: '', media: { mimetype: 'application/pdf', data: Buffer.from('%PDF-1.4 receipt').toString('base64'), filename: 'receipt.pdf' } });
    const place = customerMessage(chat, { type: 'location', body: '/9j/thumbnail', location: { latitude: '55.7558', longitude: '37.6173', description: 'Red Square' } });
    const vcard = 'BEGIN:VCARD\nVERSION:3.0\nFN:Ivan Petrov\nTEL;type=CELL;waid=79160000001:+7 916 000-00-01\nEND:VCARD';
    const card = customerMessage(chat, { type: 'vcard', body: vcard, vCards: [vcard] });
    for (const m of [voice, pdf, place, card]) wa.current.receive(m);
    await adapter.idle();

    const ticket = await ticketOf(card.id._serialized);
    expect(ticket.number).toBe(ticket0.number);
    const byId = new Map(await Promise.all([photo, voice, pdf, place, card].map(async (m) => [m.id._serialized, await storedMessage(ticket.number, m.id._serialized)] as const)));

    const stored = byId.get(photo.id._serialized)!;
    expect(stored.text).toBe('the parcel arrived broken');
    expect(stored.attachments).toEqual([expect.objectContaining({ kind: 'photo', mimeType: 'image/jpeg', size: jpeg.length, url: expect.stringMatching(/^\/api\/v1\/files\//) })]);
    const file = await fetch(`${t.baseUrl}${stored.attachments[0]!.url}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer())).toEqual(jpeg);
    expect(photo.downloads).toBe(1);

    expect(byId.get(voice.id._serialized)!.attachments[0]).toMatchObject({ kind: 'voice', mimeType: 'audio/ogg', url: expect.any(String) });
    expect(byId.get(pdf.id._serialized)!.attachments[0]).toMatchObject({ kind: 'document', mimeType: 'application/pdf', name: 'receipt.pdf', url: expect.any(String) });
    const location = byId.get(place.id._serialized)!;
    expect(location.text).toBe('Red Square'); // not the map thumbnail WhatsApp puts in the body
    expect(location.attachments[0]).toMatchObject({ kind: 'location', data: { latitude: 55.7558, longitude: 37.6173, description: 'Red Square' } });
    const contact = byId.get(card.id._serialized)!;
    expect(contact.text).toBe('');
    expect(contact.attachments[0]).toMatchObject({ kind: 'contact', name: 'Ivan Petrov.vcf', data: { name: 'Ivan Petrov', phones: ['+7 916 000-00-01'] }, url: expect.any(String) });
  });

  it('keeps the reference of a file WhatsApp no longer has, with the reason', async () => {
    const chat = newChatId();
    const gone = customerMessage(chat, { type: 'video', body: 'see this', media: null });
    wa.current.receive(gone);
    const ticket = await ticketOf(gone.id._serialized);
    const stored = ticket.messages.find((m) => m.direction === 'inbound')!;
    expect(stored.attachments[0]).toMatchObject({ kind: 'video', data: { messageId: gone.id._serialized }, error: expect.stringMatching(/no longer has this file/) });
  });

  it('records an edit of an earlier message', async () => {
    const chat = newChatId();
    const original = customerMessage(chat, { body: 'My order number is 1234' });
    wa.current.receive(original);
    await adapter.idle();
    wa.current.edit(original, 'My order number is 1243');
    await adapter.idle();

    const ticket = await ticketOf(original.id._serialized);
    const edited = await storedMessage(ticket.number, original.id._serialized);
    expect(edited.text).toBe('My order number is 1243');
    expect(edited.edits).toEqual([expect.objectContaining({ previousText: 'My order number is 1234' })]);
    // The same edit again (WhatsApp Web may repeat the event) records nothing new.
    wa.current.edit(original, 'My order number is 1243');
    await adapter.idle();
    expect((await storedMessage(ticket.number, original.id._serialized)).edits).toHaveLength(1);
  });
});

describe('WhatsApp connection', () => {
  it('keeps a reply while WhatsApp is disconnected and delivers it once, after reconnecting', async () => {
    const chat = newChatId();
    const first = customerMessage(chat, { body: 'Позовите оператора' });
    wa.current.receive(first);
    await textsTo(chat, 1); // the bot's handoff
    const ticket = await ticketOf(first.id._serialized);

    const before = wa.clients.length;
    wa.startModes = ['manual']; // the next client waits: no 'ready' until the test says so
    wa.current.disconnect('CONFLICT');
    expect(adapter.status()).toMatchObject({ state: 'disconnected', lastError: 'disconnected: CONFLICT' });
    await eventually(() => wa.clients.length > before, 5000, 'a new client');

    const reply = await t.api('POST', `/tickets/${ticket.number}/messages`, { text: 'Здравствуйте! Уже смотрю.' });
    expect(reply.status).toBe(201);
    const { messageId } = (await reply.json()) as { messageId: string };
    const waiting = await eventually(async () => {
      const m = await t.gateway.db.message.findUniqueOrThrow({ where: { id: messageId } });
      return m.deliveryAttempts >= 1 ? m : undefined;
    });
    expect(waiting.deliveryState).toBe('queued');
    expect(waiting.deliveryError).toMatch(/WhatsApp is not connected/);
    expect(wa.textsTo(chat)).toHaveLength(1);

    wa.startModes = ['ready'];
    wa.current.emit('ready');
    expect(adapter.status().state).toBe('connected');
    await textsTo(chat, 2);
    await eventually(async () => (await t.gateway.db.message.findUniqueOrThrow({ where: { id: messageId } })).deliveryState === 'sent');
    expect(wa.textsTo(chat)).toEqual([expect.any(String), 'Здравствуйте! Уже смотрю.']);
    expect(wa.sentTo(chat)[1]!.client).toBe(wa.current.number);
  });

  it('reports its status to the API', async () => {
    const res = await t.api('GET', '/channels');
    const body = (await res.json()) as Record<string, { state: string }>;
    expect(body.whatsapp).toMatchObject({ state: 'connected' });
  });
});

async function storedMessage(ticketNumber: number, platformMessageId: string): Promise<TicketJson['messages'][number]> {
  const { id } = await t.gateway.db.message.findUniqueOrThrow({ where: { channel_platformMessageId: { channel: 'whatsapp', platformMessageId } }, select: { id: true } });
  const res = await t.api('GET', `/tickets/${ticketNumber}`);
  const ticket = (await res.json()) as TicketJson;
  return ticket.messages.find((m) => m.id === id)!;
}

