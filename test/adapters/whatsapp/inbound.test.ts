/** How WhatsApp messages and edits are translated for the core (no database). */
import { describe, expect, it } from 'vitest';
import { parseVCard } from '../../../src/adapters/whatsapp/attachments.js';
import { skipReason, toInboundEdit, toInboundMessage } from '../../../src/adapters/whatsapp/inbound.js';
import { customerMessage } from './fake.js';

const CHAT = '79160000001@c.us';
const limits = () => ({ maxBytes: 1000, signal: new AbortController().signal });

describe('WhatsApp inbound messages', () => {
  it('translates a text message: ids, the profile, the time, the quoted message', async () => {
    const msg = customerMessage(CHAT, {
      body: '2',
      timestamp: 1_790_000_000,
      contact: { pushname: '  Olga ', name: 'Olga (shop)', number: '79160000001' },
      quotedId: 'true_79160000001@c.us_OUT1',
    });
    expect(await toInboundMessage(msg)).toEqual({
      channel: 'whatsapp',
      chatId: CHAT,
      messageId: msg.id._serialized,
      from: { id: CHAT, name: 'Olga', phone: '+79160000001' },
      text: '2', // a numbered reply stays text: the bot reads it
      sentAt: new Date(1_790_000_000_000),
      replyToMessageId: 'true_79160000001@c.us_OUT1',
    });
  });

  it('uses the address-book name when the customer set none, and no phone for a private (LID) id', async () => {
    const msg = customerMessage('123456789012345@lid', { body: 'hi', contact: { pushname: '', name: 'Boris', number: '' } });
    expect((await toInboundMessage(msg))!.from).toEqual({ id: '123456789012345@lid', name: 'Boris' });
  });

  it('ignores what is not a customer writing in a private chat', async () => {
    const cases = [
      [customerMessage(CHAT, { body: 'x', fromMe: true }), 'own message'],
      [customerMessage('status@broadcast', { body: 'x', isStatus: true }), 'status update'],
      [customerMessage('123@broadcast', { body: 'x', broadcast: true }), 'broadcast'],
      [customerMessage('120363@g.us', { body: 'x' }), 'group chat'],
      [customerMessage('120363@newsletter', { body: 'x' }), 'channel'],
      [customerMessage(CHAT, { type: 'e2e_notification' }), 'service message (e2e_notification)'],
      [customerMessage(CHAT, { type: 'revoked' }), 'service message (revoked)'],
    ] as const;
    for (const [msg, reason] of cases) {
      expect(skipReason(msg)).toBe(reason);
      expect(await toInboundMessage(msg)).toBeNull();
      expect(toInboundEdit(msg, 'new')).toBeNull();
    }
    expect(await toInboundMessage(customerMessage(CHAT, { body: '' }))).toBeNull(); // nothing in it
  });

  it('makes files downloadable attachments, with what WhatsApp knows before the download', async () => {
    const data = Buffer.from('OggS voice');
    const msg = customerMessage(CHAT, {
      type: 'ptt',
      media: { mimetype: 'audio/ogg; codecs=opus', data: data.toString('base64'), filename: null },
      _data: { mimetype: 'audio/ogg; codecs=opus', size: data.length },
    });
    const inbound = (await toInboundMessage(msg))!;
    expect(inbound.text).toBe('');
    const [voice] = inbound.attachments!;
    expect(voice).toMatchObject({ kind: 'voice', mimeType: 'audio/ogg; codecs=opus', size: data.length, data: { messageId: msg.id._serialized } });
    expect(await voice!.download!(limits())).toEqual({ data, mimeType: 'audio/ogg; codecs=opus' });

    const kinds = await Promise.all(
      ['image', 'video', 'audio', 'document', 'sticker'].map(async (type) => (await toInboundMessage(customerMessage(CHAT, { type, media: { mimetype: 'x/y', data: '' } })))!.attachments![0]!.kind),
    );
    expect(kinds).toEqual(['photo', 'video', 'audio', 'document', 'sticker']);
  });

  it('refuses a download over the limit, or one WhatsApp no longer has', async () => {
    const big = customerMessage(CHAT, { type: 'document', media: { mimetype: 'application/zip', data: Buffer.alloc(2000).toString('base64') } });
    await expect((await toInboundMessage(big))!.attachments![0]!.download!(limits())).rejects.toThrow(/more than the 1000 bytes/);
    const gone = customerMessage(CHAT, { type: 'image', media: null });
    await expect((await toInboundMessage(gone))!.attachments![0]!.download!(limits())).rejects.toThrow(/no longer has this file/);
  });

  it('reads locations and contact cards (not the thumbnail or vCard in the body)', async () => {
    const place = await toInboundMessage(customerMessage(CHAT, { type: 'location', body: '/9j/4AAQ', location: { latitude: '55.75', longitude: '37.61', name: 'Shop', address: 'Tverskaya 1' } }));
    expect(place).toMatchObject({ text: '', attachments: [{ kind: 'location', data: { latitude: 55.75, longitude: 37.61, name: 'Shop', address: 'Tverskaya 1' } }] });

    const a = 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna\r\nTEL;type=CELL;waid=79160000002:+7 916 000-00-02\r\nEND:VCARD';
    const b = 'BEGIN:VCARD\nFN:Bob\\, Jr.\nitem1.TEL:+1 555 0100\nitem2.TEL:+1 555 0101\nEND:VCARD';
    const cards = (await toInboundMessage(customerMessage(CHAT, { type: 'multi_vcard', body: '', vCards: [a, b] })))!;
    expect(cards.text).toBe('');
    expect(cards.attachments!.map((c) => ({ kind: c.kind, name: c.name, data: { ...c.data, vcard: undefined } }))).toEqual([
      { kind: 'contact', name: 'Anna.vcf', data: { name: 'Anna', phones: ['+7 916 000-00-02'], vcard: undefined } },
      { kind: 'contact', name: 'Bob, Jr..vcf', data: { name: 'Bob, Jr.', phones: ['+1 555 0100', '+1 555 0101'], vcard: undefined } },
    ]);
    expect((await cards.attachments![0]!.download!(limits())).data.toString()).toBe(a);
    expect(parseVCard('garbage')).toEqual({ phones: [] });
  });

  it('translates an edit', () => {
    const msg = customerMessage(CHAT, { body: 'new text', latestEditSenderTimestampMs: 1_790_000_000_500 });
    expect(toInboundEdit(msg, 'new text')).toEqual({ channel: 'whatsapp', chatId: CHAT, messageId: msg.id._serialized, text: 'new text', editedAt: new Date(1_790_000_000_500) });
  });
});
