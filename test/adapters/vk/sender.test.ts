/** The VK sender against the fake VK API: keyboards, uploads, splitting, random_id and error mapping. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentDeliveryError, RateLimitedError, RetryableDeliveryError } from '../../../src/core/delivery/errors.js';
import type { OutboundMessage } from '../../../src/core/model.js';
import { VkApi } from '../../../src/adapters/vk/api.js';
import { randomIdFor } from '../../../src/adapters/vk/randomId.js';
import { VkSender } from '../../../src/adapters/vk/sender.js';
import { VkUploader, type StoredFiles } from '../../../src/adapters/vk/upload.js';
import { FakeVk } from './fakeVk.js';

let fake: FakeVk;
let api: VkApi;
let sender: VkSender;
const authErrors: Error[] = [];
const stored = new Map<string, { data: Buffer; mimeType: string; name: string | null }>();
const files: StoredFiles = { get: async (id) => stored.get(id) ?? null };
let peer = 300;
let n = 0;

beforeAll(async () => {
  fake = await new FakeVk().start();
  api = new VkApi({ token: fake.token, baseUrl: fake.baseUrl, timeoutMs: 2000 });
  const uploader = new VkUploader(api, { files, timeoutMs: 2000, maxBytes: 1024 * 1024 });
  sender = new VkSender(api, uploader, { onAuthError: (err) => void authErrors.push(err) });
});
afterAll(async () => {
  api?.close();
  await fake?.close();
});

function outbound(extra: Partial<OutboundMessage> = {}): OutboundMessage {
  return {
    id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    channel: 'vk',
    chatId: String(++peer),
    text: 'Hello',
    author: { kind: 'agent', name: 'Anna' },
    buttons: [],
    attachments: [],
    ticketNumber: 1001,
    sentAt: new Date(),
    ...extra,
  };
}

describe('VkSender', () => {
  it('sends with peer_ids and a random_id derived from the message id, and keys the sent message by peer and conversation message id', async () => {
    const msg = outbound();
    const result = await sender.send(msg);
    const [sent] = fake.sentTo(Number(msg.chatId));
    expect(sent).toMatchObject({ text: 'Hello', randomId: randomIdFor(msg.id, 0) });
    expect(result.platformMessageId).toBe(`${msg.chatId}_${sent!.cmid}`);
    const call = fake.callsOf('messages.send').at(-1)!;
    expect(call.params.peer_ids).toBe(msg.chatId);
    expect(call.params.v).toBe('5.199');
    // Sending again (a retry) reuses the random_id: VK does not deliver it twice.
    await sender.send(msg);
    expect(fake.sentTo(Number(msg.chatId))).toHaveLength(1);
  });

  it('random_id: the same for a message and part, different otherwise, a positive int32', () => {
    expect(randomIdFor('a', 0)).toBe(randomIdFor('a', 0));
    expect(randomIdFor('a', 0)).not.toBe(randomIdFor('a', 1));
    expect(randomIdFor('a', 0)).not.toBe(randomIdFor('b', 0));
    for (const id of ['x', 'y', 'z']) {
      const r = randomIdFor(id);
      expect(Number.isInteger(r) && r > 0 && r <= 0x7fffffff).toBe(true);
    }
  });

  it('renders buttons as an inline keyboard of text buttons with the id in the payload', async () => {
    const msg = outbound({
      buttons: [
        { id: 'kb:yes:delivery-time-en', label: 'Yes, thanks' },
        { id: 'kb:no:delivery-time-en', label: 'No' },
        { id: 'kb:article:x', label: 'A very long article title that goes on and on past forty characters' },
        { id: `kb:${'x'.repeat(300)}`, label: 'Too long an id' },
      ],
    });
    await sender.send(msg);
    const [sent] = fake.sentTo(Number(msg.chatId));
    expect(sent!.keyboard?.inline).toBe(true);
    const buttons = sent!.keyboard!.buttons;
    expect(buttons).toHaveLength(4); // one per row
    const flat = buttons.flat();
    expect(flat.map((b) => b.action.type)).toEqual(['text', 'text', 'text', 'text']);
    expect(JSON.parse(flat[0]!.action.payload!)).toEqual({ b: 'kb:yes:delivery-time-en' });
    expect(flat[2]!.action.label!.length).toBeLessThanOrEqual(40);
    expect(flat[2]!.action.label!.endsWith('…')).toBe(true);
    // Over 255 bytes: no id in the payload (the label still comes back as text).
    expect(JSON.parse(flat[3]!.action.payload!)).toEqual({});
    for (const b of flat) expect(Buffer.byteLength(b.action.payload ?? '')).toBeLessThanOrEqual(255);
  });

  it('fits many buttons into VK limits (6 rows, 10 buttons) and lists the rest in the text', async () => {
    const msg = outbound({ text: 'Pick one', buttons: Array.from({ length: 12 }, (_, i) => ({ id: `b${i}`, label: `Option ${i}` })) });
    await sender.send(msg);
    const [sent] = fake.sentTo(Number(msg.chatId));
    expect(sent!.keyboard!.buttons.length).toBeLessThanOrEqual(6);
    expect(sent!.keyboard!.buttons.flat()).toHaveLength(10);
    expect(sent!.text).toBe('Pick one\n\n• Option 10\n• Option 11');
  });

  it('splits texts over 4096 characters; the keyboard rides on the last part', async () => {
    const text = `${'word '.repeat(600).trim()}\n\n${'more '.repeat(600).trim()}`;
    const msg = outbound({ text, buttons: [{ id: 'b', label: 'OK' }] });
    const result = await sender.send(msg);
    const parts = fake.sentTo(Number(msg.chatId));
    expect(parts.length).toBe(2);
    expect(parts.every((p) => p.text.length <= 4096)).toBe(true);
    expect(parts[0]!.keyboard).toBeUndefined();
    expect(parts[1]!.keyboard).toBeDefined();
    expect(parts.map((p) => p.randomId)).toEqual([randomIdFor(msg.id, 0), randomIdFor(msg.id, 1)]);
    expect(result.platformMessageId).toBe(`${msg.chatId}_${parts[0]!.cmid}`);
  });

  it('uploads photos and documents to VK, from our file store or a public URL', async () => {
    const photoId = '11111111-1111-4111-8111-111111111111';
    stored.set(photoId, { data: Buffer.from('jpeg bytes'), mimeType: 'image/jpeg', name: 'damage.jpg' });
    const pdfUrl = fake.addFile('terms.pdf', Buffer.from('%PDF terms'), 'application/pdf');
    const msg = outbound({
      text: 'See attached',
      attachments: [
        { kind: 'photo', url: `/api/v1/files/${photoId}`, mimeType: 'image/jpeg', name: 'damage.jpg' },
        { kind: 'document', url: pdfUrl, mimeType: 'application/pdf', name: 'terms.pdf' },
        { kind: 'location', data: { latitude: 55.7, longitude: 37.6 } },
      ],
    });
    const before = fake.uploads.length;
    await sender.send(msg);
    const [sent] = fake.sentTo(Number(msg.chatId));
    expect(sent!.attachment).toMatch(/^photo-7001_\d+_pk,doc-7001_\d+$/);
    expect(sent).toMatchObject({ text: 'See attached', lat: 55.7, long: 37.6 });
    expect(fake.uploads.slice(before)).toEqual([
      { kind: 'photo', filename: 'damage.jpg', bytes: 10, contentType: 'image/jpeg' },
      { kind: 'doc', filename: 'terms.pdf', bytes: 10, contentType: 'application/pdf' },
    ]);
    expect(fake.callsOf('docs.save').at(-1)!.params.title).toBe('terms.pdf');
  });

  it('a retry after the send failed does not upload the file again', async () => {
    const photoId = '22222222-2222-4222-8222-222222222222';
    stored.set(photoId, { data: Buffer.from('png'), mimeType: 'image/png', name: 'a.png' });
    const msg = outbound({ attachments: [{ kind: 'photo', url: `/api/v1/files/${photoId}`, name: 'a.png' }] });
    const before = fake.uploads.length;
    fake.failNext('messages.send', 10);
    await expect(sender.send(msg)).rejects.toBeInstanceOf(RetryableDeliveryError);
    await sender.send(msg);
    expect(fake.uploads.length - before).toBe(1);
    expect(fake.sentTo(Number(msg.chatId))).toHaveLength(1);
  });

  it('a file that cannot be attached goes as a link (or is named), and the message still goes', async () => {
    const msg = outbound({
      text: 'Files:',
      attachments: [
        { kind: 'document', url: '/api/v1/files/33333333-3333-4333-8333-333333333333', name: 'gone.pdf' },
        { kind: 'document', url: fake.addFile('report.xlsx', Buffer.from('xlsx'), 'application/vnd.ms-excel'), name: 'report.xlsx' },
      ],
    });
    fake.failNext('docs.save', 100); // VK refuses the file for good
    await sender.send(msg);
    const [sent] = fake.sentTo(Number(msg.chatId));
    expect(sent!.attachment).toBeUndefined();
    expect(sent!.text).toBe(`Files:\n\n📎 gone.pdf (not attached)\n📎 report.xlsx: ${fake.url}/files/report.xlsx`);
  });

  it('maps VK errors: 6/9/10 and network errors retry, 901/902 give up, a rejected token retries and is reported', async () => {
    const cases: Array<[Parameters<FakeVk['failNext']>[1], 'retry' | 'fail', number | undefined]> = [
      [6, 'retry', 1000],
      [9, 'retry', undefined],
      [10, 'retry', undefined],
      ['reset', 'retry', undefined],
      [901, 'fail', undefined],
      [902, 'fail', undefined],
      ['peer:901', 'fail', undefined],
      [7, 'fail', undefined],
      [5, 'retry', undefined],
    ];
    for (const [fault, expected, retryAfterMs] of cases) {
      fake.failNext('messages.send', fault);
      const err = await sender.send(outbound()).then(
        () => null,
        (e: unknown) => e,
      );
      if (expected === 'retry') {
        expect(err, String(fault)).toBeInstanceOf(RetryableDeliveryError);
        expect((err as RetryableDeliveryError).retryAfterMs, String(fault)).toBe(retryAfterMs);
        // Only the rate limit is a wait that spends no delivery attempt.
        expect(err instanceof RateLimitedError, String(fault)).toBe(fault === 6);
      } else {
        expect(err, String(fault)).toBeInstanceOf(PermanentDeliveryError);
      }
    }
    expect(authErrors).toHaveLength(1);
  });

  it('a timeout is retryable', async () => {
    const silent = http.createServer(() => undefined); // takes requests, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const slow = new VkApi({ token: fake.token, baseUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/method`, timeoutMs: 200 });
    try {
      await expect(new VkSender(slow, null).send(outbound())).rejects.toBeInstanceOf(RetryableDeliveryError);
    } finally {
      slow.close();
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('refuses what cannot be a VK peer, and says so when the channel is off', async () => {
    await expect(sender.send(outbound({ chatId: 'not-a-peer' }))).rejects.toBeInstanceOf(PermanentDeliveryError);
    await expect(new VkSender(null, null).send(outbound())).rejects.toThrow(/VK_TOKEN/);
  });

  it('declares VK’s rate limit for the delivery worker', () => {
    expect(sender.rateLimits).toEqual({ perSecond: 20 });
  });
});
