/**
 * The WhatsApp sender on its own: how an outbound message becomes WhatsApp messages, and which
 * failures wait for a retry and which end the message.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ChannelStatus } from '../../../src/adapters/adapter.js';
import type { OutgoingFile, WhatsAppClient } from '../../../src/adapters/whatsapp/client.js';
import { fileLoader } from '../../../src/adapters/whatsapp/files.js';
import { splitText } from '../../../src/adapters/text.js';
import { renderText } from '../../../src/adapters/whatsapp/format.js';
import { WhatsAppSender, type FileLoader } from '../../../src/adapters/whatsapp/sender.js';
import { PermanentDeliveryError, RetryableDeliveryError } from '../../../src/core/delivery/errors.js';
import type { OutboundMessage } from '../../../src/core/model.js';
import { FakeWhatsApp, type FakeClient } from './fake.js';

const CHAT = '79160000001@c.us';

function outbound(fields: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    id: `m-${Math.random()}`,
    channel: 'whatsapp',
    chatId: CHAT,
    text: 'Hello',
    author: { kind: 'agent', name: 'Ivan' },
    buttons: [],
    attachments: [],
    ticketNumber: 1001,
    sentAt: new Date(),
    ...fields,
  };
}

function senderWith(options: { client?: FakeClient | undefined; enabled?: boolean; loadFile?: FileLoader; status?: ChannelStatus } = {}) {
  const wa = new FakeWhatsApp();
  const client = 'client' in options ? options.client : wa.createClient();
  const sender = new WhatsAppSender(
    {
      enabled: options.enabled ?? true,
      connectedClient: () => client as WhatsAppClient | undefined,
      status: () => options.status ?? { state: 'connected', since: new Date().toISOString() },
    },
    async () => wa,
    options.loadFile ?? (async () => null),
    { partIntervalMs: 0, sendTimeoutMs: 500 },
  );
  return { wa, sender, client };
}

describe('WhatsApp text', () => {
  it("lists an agent's buttons as numbered options; the bot words its own", () => {
    const buttons = [
      { id: 'a', label: 'Track my order' },
      { id: 'b', label: 'Change the address' },
    ];
    expect(renderText({ text: 'What would you like to do?', buttons, author: { kind: 'agent', name: 'Ivan' } })).toBe(
      'What would you like to do?\n\n1. Track my order\n2. Change the address',
    );
    expect(renderText({ text: 'Did this help? Reply "yes" or "no".', buttons, author: { kind: 'bot', name: 'Helper bot' } })).toBe('Did this help? Reply "yes" or "no".');
    expect(renderText({ text: '', buttons, author: { kind: 'system', name: null } })).toBe('1. Track my order\n2. Change the address');
  });

  it('splits long texts at paragraph, line or word breaks, never inside a surrogate pair', () => {
    const paragraph = 'word '.repeat(300).trim(); // 1499 characters
    const parts = splitText([paragraph, paragraph, paragraph, paragraph].join('\n\n'), 4096);
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe([paragraph, paragraph].join('\n\n'));
    expect(parts.every((p) => p.length <= 4096)).toBe(true);
    expect(splitText('x'.repeat(10_000), 4096).map((p) => p.length)).toEqual([4096, 4096, 1808]);
    const emoji = splitText('a' + '😀'.repeat(3000), 4096);
    expect(emoji.join('')).toBe('a' + '😀'.repeat(3000));
    expect(emoji.every((p) => !/^[\udc00-\udfff]|[\ud800-\udbff]$/.test(p))).toBe(true);
    expect(splitText('  short  ', 4096)).toEqual(['short']);
  });

  it('sends a long text in parts, in order, and reports the first part as the platform message', async () => {
    const { wa, sender } = senderWith();
    const text = ['A'.repeat(3000), 'B'.repeat(3000), 'C'.repeat(100)].join('\n\n');
    const result = await sender.send(outbound({ text }));
    expect(wa.textsTo(CHAT)).toEqual(['A'.repeat(3000), 'B'.repeat(3000) + '\n\n' + 'C'.repeat(100)]);
    expect(result).toEqual({ platformMessageId: wa.sent[0]!.id });
    expect(wa.sent[0]!.options).toEqual({ linkPreview: false });
  });

  it('quotes the customer message it answers, when there is one', async () => {
    const { wa, sender } = senderWith();
    await sender.send(outbound({ replyToMessageId: 'false_79160000001@c.us_ABC' }));
    expect(wa.sent[0]!.options).toEqual({ linkPreview: false, quotedMessageId: 'false_79160000001@c.us_ABC' });
  });

  it('has conservative rate limits for the delivery worker', () => {
    expect(senderWith().sender.rateLimits).toEqual({ perSecond: 10, perChatIntervalMs: 1000 });
  });
});

describe('WhatsApp attachments', () => {
  it('sends stored files as media, locations and contacts as text, and public files it cannot fetch as links', async () => {
    const file: OutgoingFile = { data: Buffer.from('%PDF-1.4'), mimeType: 'application/pdf', name: 'invoice.pdf' };
    const { wa, sender } = senderWith({ loadFile: async (a) => (a.url === '/api/v1/files/1' ? file : null) });
    await sender.send(
      outbound({
        text: 'Here you go',
        attachments: [
          { kind: 'document', url: '/api/v1/files/1', name: 'invoice.pdf' },
          { kind: 'location', data: { latitude: 55.75, longitude: 37.61, name: 'Our shop' } },
          { kind: 'contact', data: { name: 'Support', phones: ['+7 495 000-00-00'] } },
          { kind: 'photo', url: 'https://cdn.example/p.jpg', name: 'p.jpg' },
          { kind: 'photo', url: '/api/v1/files/gone' },
        ],
      }),
    );
    expect(wa.sent.map((s) => s.content)).toEqual([
      'Here you go',
      { mimetype: 'application/pdf', data: Buffer.from('%PDF-1.4').toString('base64'), filename: 'invoice.pdf', filesize: 8 },
      'Our shop\nhttps://maps.google.com/?q=55.75,37.61',
      'Support\n+7 495 000-00-00',
      'p.jpg: https://cdn.example/p.jpg',
    ]);
  });

  it('retries when a stored file cannot be read now (the database is down)', async () => {
    const { sender } = senderWith({ loadFile: async () => Promise.reject(new Error('connection refused')) });
    await expect(sender.send(outbound({ attachments: [{ kind: 'document', url: '/api/v1/files/1' }] }))).rejects.toBeInstanceOf(RetryableDeliveryError);
  });
});

describe('files agents attach', () => {
  it("come from the gateway's file store, or a public URL", async () => {
    const id = '0b6f5a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
    const stored = { data: Buffer.from('stored'), mimeType: 'image/png', name: 'a.png' };
    const server = http.createServer((req, res) => {
      if (req.url === '/ok.txt') res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('public');
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const load = fileLoader({ files: { get: async (fileId) => (fileId === id ? stored : null) }, timeoutMs: 1000 });
      expect(await load({ kind: 'photo', url: `/api/v1/files/${id}` })).toEqual(stored);
      expect(await load({ kind: 'photo', url: '/api/v1/files/0b6f5a3e-1c2d-4e5f-8a9b-000000000000' })).toBeNull();
      expect(await load({ kind: 'document', url: `${base}/ok.txt` })).toEqual({ data: Buffer.from('public'), mimeType: 'text/plain', name: 'ok.txt' });
      expect(await load({ kind: 'document', url: `${base}/missing.txt` })).toBeNull();
      expect(await load({ kind: 'document', url: 'file:///etc/passwd' })).toBeNull();
      expect(await load({ kind: 'document' })).toBeNull();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('WhatsApp delivery errors', () => {
  it('waits (retryable) while WhatsApp is not connected, saying why', async () => {
    const { sender } = senderWith({ client: undefined, status: { state: 'connecting', detail: 'waiting for the QR code to be scanned', since: '' } });
    const err = await sender.send(outbound()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableDeliveryError);
    expect((err as Error).message).toBe('WhatsApp is not connected (waiting for the QR code to be scanned)');
  });

  it('fails at once (permanent) when the channel is off, the number is unknown, or the chat id is not WhatsApp', async () => {
    await expect(senderWith({ enabled: false }).sender.send(outbound())).rejects.toBeInstanceOf(PermanentDeliveryError);

    const { wa, sender } = senderWith();
    wa.unknownChats.add(CHAT);
    await expect(sender.send(outbound())).rejects.toThrow(new PermanentDeliveryError(`WhatsApp has no chat ${CHAT}: the number is not on WhatsApp`));
    await expect(sender.send(outbound({ chatId: 'telegram:42' }))).rejects.toBeInstanceOf(PermanentDeliveryError);

    const { client, sender: other } = senderWith();
    client!.failSends = new Error('Evaluation failed: Error: invalid wid');
    await expect(other.send(outbound())).rejects.toBeInstanceOf(PermanentDeliveryError);
  });

  it('accepts a bare phone number as the chat', async () => {
    const { wa, sender } = senderWith();
    await sender.send(outbound({ chatId: '+7 916 000-00-01' }));
    expect(wa.sent[0]!.chatId).toBe('79160000001@c.us');
  });

  it('retries a crashed page or a send that hangs', async () => {
    const { client, sender } = senderWith();
    client!.failSends = new Error('Protocol error (Runtime.callFunctionOn): Target closed.');
    await expect(sender.send(outbound())).rejects.toBeInstanceOf(RetryableDeliveryError);
    client!.failSends = undefined;
    client!.sendMessage = () => new Promise(() => undefined);
    const err = await sender.send(outbound()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableDeliveryError);
    expect((err as Error).message).toMatch(/did not confirm the send within 500 ms/);
  });

  it('resumes a message that failed halfway, so the customer does not get its first part twice', async () => {
    const { wa, client, sender } = senderWith();
    const message = outbound({ text: `${'A'.repeat(4000)}\n\n${'B'.repeat(4000)}` });
    const send = client!.sendMessage.bind(client);
    let calls = 0;
    client!.sendMessage = (chatId, content, options) => (++calls === 2 ? Promise.reject(new Error('Session closed')) : send(chatId, content, options));
    await expect(sender.send(message)).rejects.toBeInstanceOf(RetryableDeliveryError);
    expect(wa.textsTo(CHAT)).toEqual(['A'.repeat(4000)]);
    const result = await sender.send(message);
    expect(wa.textsTo(CHAT)).toEqual(['A'.repeat(4000), 'B'.repeat(4000)]);
    expect(result.platformMessageId).toBe(wa.sent[0]!.id);
  });
});

describe('WhatsApp edits', () => {
  it("edits the sent message (Message.edit) with the new text; one sent with files or in parts cannot be edited", async () => {
    const { wa, sender } = senderWith();
    const msg = outbound({ text: 'Итого 500 руб.' });
    const { platformMessageId } = await sender.send(msg);
    const edit = (message: OutboundMessage, previousText: string, id = platformMessageId ?? null) =>
      sender.edit({ editId: 'e1', message, previousText, sentText: previousText, platformMessageId: id, editedAt: new Date() });
    await edit({ ...msg, text: 'Итого 700 руб.' }, 'Итого 500 руб.');
    expect(wa.edits).toEqual([{ id: platformMessageId, content: 'Итого 700 руб.' }]);
    expect(wa.textsTo(CHAT)).toEqual(['Итого 700 руб.']);
    expect(sender.editWindowMs).toBe(15 * 60_000);

    await expect(edit({ ...msg, text: 'x', attachments: [{ kind: 'document', name: 'a.pdf' }] }, 'y')).rejects.toMatchObject({ name: 'EditUnsupportedError' });
    await expect(edit({ ...msg, text: 'short' }, 'long '.repeat(2000))).rejects.toMatchObject({ name: 'EditUnsupportedError' });
    await expect(edit({ ...msg, text: 'z' }, 'y', 'true_unknown_OUT0')).rejects.toMatchObject({ name: 'EditUnsupportedError' });
    expect(wa.edits).toHaveLength(1);
  });

  it('a reply sent in parts stays uneditable at its second edit: judged from the text sent, not the previous edit', async () => {
    const { wa, sender } = senderWith();
    const long = 'Подробно. '.repeat(700);
    const msg = outbound({ text: long });
    const { platformMessageId } = await sender.send(msg);
    expect(wa.textsTo(CHAT).length).toBeGreaterThan(1);
    // The first edit made it short; the second finds a short previousText, but the customer has the parts.
    const second = sender.edit({ editId: 'e2', message: { ...msg, text: 'Коротко, ещё раз.' }, previousText: 'Коротко.', sentText: long, platformMessageId: platformMessageId ?? null, editedAt: new Date() });
    await expect(second).rejects.toMatchObject({ name: 'EditUnsupportedError' });
    expect(wa.edits).toHaveLength(0);
  });
});
