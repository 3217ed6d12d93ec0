/** VK's objects as normalized messages: keys, replies, buttons, texts, attachments and their downloads. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileTooLargeError } from '../../../src/core/files.js';
import { parseAttachments } from '../../../src/adapters/vk/attachments.js';
import { buttonIdFromPayload } from '../../../src/adapters/vk/keyboard.js';
import { vkMessageNew, type VkMessage } from '../../../src/adapters/vk/schema.js';
import { splitText as splitAt } from '../../../src/adapters/text.js';
import { clip, VK_TEXT_LIMIT } from '../../../src/adapters/vk/text.js';

const splitText = (text: string) => splitAt(text, VK_TEXT_LIMIT);
import { isCustomerMessage, messageKey, toButtonPress, toInboundEdit, toInboundMessage } from '../../../src/adapters/vk/translate.js';

const from = { id: '42', name: 'Olga' };

function message(extra: Partial<VkMessage> = {}): VkMessage {
  return { id: 0, conversation_message_id: 7, peer_id: 2000000005, from_id: 42, out: 0, date: 1_700_000_000, text: 'hi', ...extra };
}

describe('VK message keys', () => {
  it('key a message by peer and conversation message id (id is 0 in chats)', () => {
    expect(messageKey(2000000005, { conversation_message_id: 7, id: 0 })).toBe('2000000005_7');
    expect(messageKey(42, { id: 99 })).toBe('42_m99');
    expect(messageKey(42, {})).toBeUndefined();
  });
});

describe('VK messages as inbound messages', () => {
  it('carries the chat, sender, time, reply and pressed button', () => {
    const inbound = toInboundMessage(message({ text: 'No', payload: '{"b":"kb:no:x"}', reply_message: { conversation_message_id: 3 } }), from)!;
    expect(inbound).toEqual({
      channel: 'vk',
      chatId: '2000000005',
      messageId: '2000000005_7',
      from,
      text: 'No',
      sentAt: new Date(1_700_000_000_000),
      replyToMessageId: '2000000005_3',
      buttonId: 'kb:no:x',
    });
  });

  it("undoes VK's escaping of texts", () => {
    expect(toInboundMessage(message({ text: '&lt;b&gt; &quot;quoted&quot; &amp; more<br>next' }), from)!.text).toBe('<b> "quoted" & more\nnext');
  });

  it('says what came when it is neither text nor a file', () => {
    const inbound = toInboundMessage(message({ text: '', attachments: [{ type: 'link', link: { url: 'https://x' } }, { type: 'wall', wall: {} }] }), from)!;
    expect(inbound.text).toBe('[link, wall]');
    expect(inbound.attachments).toBeUndefined();
  });

  it('skips our own messages and service messages', () => {
    expect(isCustomerMessage(message({ out: 1 }))).toBe(false);
    expect(isCustomerMessage(message({ action: { type: 'chat_invite_user' } }))).toBe(false);
    expect(isCustomerMessage(message())).toBe(true);
  });

  it('reads message_new in both shapes (API ≥ 5.103 and the bare message before)', () => {
    const modern = vkMessageNew.parse({ message: message(), client_info: { lang_id: 3 } });
    expect(modern.client_info?.lang_id).toBe(3);
    const old = vkMessageNew.parse(message());
    expect(old.message.conversation_message_id).toBe(7);
  });

  it('edits keep the message key and the edit time', () => {
    expect(toInboundEdit(message({ text: 'fixed', update_time: 1_700_000_100 }))).toEqual({
      channel: 'vk',
      chatId: '2000000005',
      messageId: '2000000005_7',
      text: 'fixed',
      editedAt: new Date(1_700_000_100_000),
    });
  });

  it('a callback button press is a message with its button id, keyed by the press', () => {
    const press = toButtonPress({ user_id: 42, peer_id: 42, event_id: 'ev1', payload: { b: 'kb:human', l: 'Talk to a person' } }, from)!;
    expect(press).toMatchObject({ chatId: '42', messageId: '42_press_ev1', buttonId: 'kb:human', text: 'Talk to a person' });
    expect(toButtonPress({ user_id: 42, peer_id: 42, event_id: 'ev2', payload: { command: 'start' } }, from)).toBeNull();
  });

  it('button ids come from JSON strings or objects, anything else is no button', () => {
    expect(buttonIdFromPayload('{"b":"x"}')).toBe('x');
    expect(buttonIdFromPayload({ b: 'y' })).toBe('y');
    expect(buttonIdFromPayload('{"command":"start"}')).toBeUndefined();
    expect(buttonIdFromPayload('not json')).toBeUndefined();
    expect(buttonIdFromPayload(undefined)).toBeUndefined();
  });
});

describe('VK texts', () => {
  it('split at 4096 characters, at a paragraph when there is one', () => {
    const a = 'a'.repeat(3000);
    const b = 'b'.repeat(3000);
    expect(splitText(`${a}\n\n${b}`)).toEqual([a, b]);
    expect(splitText('short')).toEqual(['short']);
    const hard = splitText('x'.repeat(9000));
    expect(hard.map((p) => p.length)).toEqual([4096, 4096, 808]);
    // Never inside a surrogate pair.
    const emoji = splitText('😀'.repeat(3000));
    expect(emoji.every((p) => !/[\uD800-\uDBFF]$/.test(p))).toBe(true);
    expect(emoji.join('')).toBe('😀'.repeat(3000));
  });

  it('clip labels to whole characters with an ellipsis', () => {
    expect(clip('short', 40)).toBe('short');
    const clipped = clip('😀'.repeat(30), 40);
    expect(clipped.length).toBeLessThanOrEqual(40);
    expect(clipped.endsWith('…')).toBe(true);
  });
});

describe('VK attachments', () => {
  let server: http.Server;
  let base = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/big') res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(Buffer.alloc(5000));
      else if (req.url === '/generic') res.writeHead(200, { 'content-type': 'application/octet-stream' }).end('data');
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const limits = (maxBytes = 1_000_000) => ({ maxBytes, signal: new AbortController().signal });

  it('downloads the largest photo size and keeps VK ids in data', async () => {
    const { attachments } = parseAttachments({
      attachments: [{ type: 'photo', photo: { id: 5, owner_id: 42, access_key: 'k', sizes: [{ url: `${base}/small`, width: 10, height: 10 }, { url: `${base}/generic`, width: 800, height: 600 }] } }],
    });
    const [photo] = attachments;
    expect(photo).toMatchObject({ kind: 'photo', data: { vk: 'photo42_5_k', ownerId: 42, id: 5, accessKey: 'k', url: `${base}/generic` } });
    const file = await photo!.download!(limits());
    // The file server said octet-stream: the attachment's own type is better.
    expect(file).toEqual({ data: Buffer.from('data'), mimeType: 'image/jpeg', name: 'photo42_5.jpg' });
  });

  it('stops a download past the pipeline’s cap', async () => {
    const { attachments } = parseAttachments({ attachments: [{ type: 'doc', doc: { id: 1, owner_id: 42, title: 'big', ext: 'bin', url: `${base}/big` } }] });
    await expect(attachments[0]!.download!(limits(1000))).rejects.toBeInstanceOf(FileTooLargeError);
  });

  it('a failed download throws (the pipeline keeps the reference)', async () => {
    const { attachments } = parseAttachments({ attachments: [{ type: 'audio_message', audio_message: { id: 1, owner_id: 42, link_ogg: `${base}/missing` } }] });
    expect(attachments[0]).toMatchObject({ kind: 'voice', mimeType: 'audio/ogg' });
    await expect(attachments[0]!.download!(limits())).rejects.toThrow(/404/);
  });

  it('a malformed attachment is skipped, not fatal', () => {
    const { attachments, skipped } = parseAttachments({ attachments: [{ type: 'photo', photo: { nonsense: true } }] });
    expect(attachments).toEqual([]);
    expect(skipped).toEqual(['photo']);
  });
});
