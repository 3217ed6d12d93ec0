/**
 * The VK channel end to end over the Callback API, through the same code path production uses:
 * the gateway builds the adapter from its environment (createChannelAdapters), VK's events are
 * POSTed to /webhooks/vk with the secret, and the gateway's answers reach a fake VK API on
 * 127.0.0.1 through the delivery queue (real PostgreSQL and Redis).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type TestGateway } from '../../support/gateway.js';
import { FakeVk, postCallback } from './fakeVk.js';
import { buttonIds, CONFIRMATION, SECRET, startVkGateway, VkCustomer } from './support.js';

let fake: FakeVk;
let t: TestGateway;
let nextPeer = 1000;

beforeAll(async () => {
  fake = await new FakeVk().start();
  t = await startVkGateway(fake);
});
afterAll(async () => {
  await t?.stop();
  await fake?.close();
});

/** A new customer, with a profile VK knows. */
function customer(first = 'Olga', last = 'Petrova'): VkCustomer {
  const peer = ++nextPeer;
  fake.addUser(peer, first, last, `olga${peer}`);
  return new VkCustomer(t, fake, peer);
}

async function storedMessages(): Promise<number> {
  return t.gateway.db.message.count({ where: { channel: 'vk', direction: 'inbound' } });
}

describe('VK Callback API', () => {
  it('answers the confirmation request with VK_CONFIRMATION', async () => {
    const res = await postCallback(t.baseUrl, { type: 'confirmation', group_id: fake.groupId }, SECRET);
    expect(res.status).toBe(200);
    expect(res.text).toBe(CONFIRMATION);
  });

  it('refuses events with a wrong or missing secret (403), and stores nothing', async () => {
    const before = await storedMessages();
    const peer = ++nextPeer;
    const update = fake.message(peer, 'I am not VK');
    for (const secret of ['guessed', '', undefined]) {
      const res = await postCallback(t.baseUrl, update, secret);
      expect(res.status).toBe(403);
      expect(res.text).not.toBe('ok');
    }
    expect((await postCallback(t.baseUrl, { type: 'confirmation', group_id: fake.groupId }, 'guessed')).status).toBe(403);
    // Right secret, another community: refused too.
    expect((await postCallback(t.baseUrl, { ...update, group_id: 1 }, SECRET)).status).toBe(403);
    await t.gateway.events.idle();
    expect(await storedMessages()).toBe(before);
    expect(fake.sentTo(peer)).toEqual([]);
  });

  it('reports its status in /healthz', async () => {
    const res = await fetch(`${t.baseUrl}/healthz`);
    const body = (await res.json()) as { channels: { vk: { state: string; detail: string } } };
    expect(body.channels.vk).toMatchObject({ state: 'connected', detail: 'callback API, @fakeshop (club7001)' });
  });
});

describe('VK round trip', () => {
  it('customer writes → the bot answers from the KB with a keyboard → customer asks for a person → an agent replies on the same peer', async () => {
    const c = customer();
    await c.say('How long does delivery take?', { langId: 3 });
    const answer = await c.message(1);
    expect(answer.text).toMatch(/^How long does delivery take\n\nWe deliver within Moscow/);
    expect(answer.keyboard?.inline).toBe(true);
    expect(answer.keyboard?.buttons.flat().map((b) => b.action.label)).toEqual(['Yes, thanks', 'No']);
    expect(buttonIds(answer)).toEqual(['kb:yes:delivery-time-en', 'kb:no:delivery-time-en']);

    // The customer presses "No": the label comes as text, the payload as the button id.
    await c.press(answer, 'No');
    const handoff = await c.message(2);
    expect(handoff.text).toBe('Sorry it did not help. I am passing your question to an agent: they will reply here.');
    await c.say('I want to talk to a human, please');

    const number = await c.ticketNumber();
    const reply = await t.api('POST', `/tickets/${number}/messages`, { text: 'Hello Olga, your parcel leaves today.' });
    expect(reply.status).toBe(201);
    const agent = await c.message(3);
    expect(agent.text).toBe('Hello Olga, your parcel leaves today.');
    expect(agent.peerId).toBe(c.peerId);

    const ticket = await c.ticket();
    expect(ticket.channel).toBe('vk');
    expect(ticket.botActive).toBe(false);
    // users.get filled in the contact; client_info.lang_id 3 is English.
    expect(ticket.contact).toMatchObject({ name: 'Olga Petrova', language: 'en' });
    expect(ticket.messages.filter((m) => m.direction === 'inbound').map((m) => m.text)).toEqual([
      'How long does delivery take?',
      'No',
      'I want to talk to a human, please',
    ]);
    const sent = ticket.messages.filter((m) => m.direction === 'outbound');
    expect(sent.every((m) => m.delivery?.state === 'sent')).toBe(true);
  });

  it('hands over when the customer asks for an operator in Russian', async () => {
    const c = customer('Иван', 'Петров');
    await c.say('Позовите оператора, пожалуйста');
    expect((await c.message(1)).text).toBe('Передаю ваш вопрос оператору: он ответит здесь, как только освободится.');
    expect((await c.ticket()).contact?.name).toBe('Иван Петров');
  });

  it('a callback button press (message_event) comes in with its button id, and is answered', async () => {
    const c = customer();
    await c.say('How do I return an item?');
    const answer = await c.message(1);
    expect(buttonIds(answer)[0]).toMatch(/^kb:yes:/);
    const press = fake.buttonPress(c.peerId, { b: buttonIds(answer)[0] });
    await c.deliver(press);
    expect((await c.message(2)).text).toBe('Glad it helped! If you have another question, just write here.');
    expect((await c.ticket()).status).toBe('resolved');
    await eventually(() => fake.callsOf('messages.sendMessageEventAnswer').find((call) => call.params.event_id === press.object.event_id), 3000, 'the event answer');
  });
});

describe('VK idempotency', () => {
  it('a redelivered event (same event_id) gives one message, and one bot answer', async () => {
    const c = customer();
    const update = fake.message(c.peerId, 'How much does delivery cost?');
    await c.deliver(update);
    await c.deliver(update);
    await c.deliver({ ...update, event_id: 'another-event-id-same-message' });
    await c.message(1);
    await t.gateway.events.idle();
    const ticket = await c.ticket();
    expect(ticket.messages.filter((m) => m.direction === 'inbound')).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(c.received()).toHaveLength(1);
  });

  it('a send whose answer was lost is retried with the same random_id, and delivered once', async () => {
    const c = customer();
    await c.say('Позовите оператора');
    await c.message(1);
    const number = await c.ticketNumber();
    fake.failNext('messages.send', 'drop');
    await t.api('POST', `/tickets/${number}/messages`, { text: 'Answer whose ack VK lost' });
    await eventually(async () => (await c.ticket()).messages.find((m) => m.text === 'Answer whose ack VK lost')?.delivery?.state === 'sent', 8000, 'delivery');
    const attempts = fake.callsOf('messages.send').filter((call) => call.params.message === 'Answer whose ack VK lost');
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(attempts.map((a) => a.params.random_id)).size).toBe(1);
    expect(c.received().filter((m) => m.text === 'Answer whose ack VK lost')).toHaveLength(1);
  });
});

describe('VK attachments and edits', () => {
  it('keeps the files a customer sends (photo, document, voice, sticker) and their location', async () => {
    const c = customer();
    const photoBytes = Buffer.from('fake-jpeg-bytes-'.repeat(50));
    const docBytes = Buffer.from('%PDF-1.4 fake invoice');
    const voiceBytes = Buffer.from('OggS fake voice');
    const attachments = [
      { type: 'photo', photo: { id: 1, owner_id: c.peerId, access_key: 'pk1', sizes: [{ type: 's', url: fake.addFile('small.jpg', Buffer.from('small'), 'image/jpeg'), width: 75, height: 50 }, { type: 'w', url: fake.addFile('big.jpg', photoBytes, 'image/jpeg'), width: 1280, height: 960 }] } },
      { type: 'doc', doc: { id: 2, owner_id: c.peerId, title: 'invoice', ext: 'pdf', size: docBytes.length, url: fake.addFile('invoice.pdf', docBytes, 'application/octet-stream') } },
      { type: 'audio_message', audio_message: { id: 3, owner_id: c.peerId, duration: 4, link_ogg: fake.addFile('voice.ogg', voiceBytes, 'audio/ogg') } },
      { type: 'sticker', sticker: { sticker_id: 9, product_id: 1, images: [{ url: fake.addFile('sticker.png', Buffer.from('png'), 'image/png'), width: 128, height: 128 }] } },
      { type: 'video', video: { id: 4, owner_id: c.peerId, title: 'unboxing', duration: 12 } },
    ];
    await c.say('Here are the photos of the damage', { attachments, geo: { latitude: 55.75, longitude: 37.61 } });
    const ticket = await c.ticket();
    const stored = ticket.messages.find((m) => m.direction === 'inbound')!.attachments;
    expect(stored.map((a) => a.kind)).toEqual(['photo', 'document', 'voice', 'sticker', 'video', 'location']);
    const [photo, doc, voice] = stored;
    expect(photo).toMatchObject({ mimeType: 'image/jpeg', size: photoBytes.length, data: { vk: `photo${c.peerId}_1_pk1` } });
    expect(doc).toMatchObject({ name: 'invoice.pdf', mimeType: 'application/pdf', size: docBytes.length, data: { vk: `doc${c.peerId}_2` } });
    expect(voice).toMatchObject({ mimeType: 'audio/ogg', data: { duration: 4 } });
    expect(stored[4]).toMatchObject({ name: 'unboxing', data: { vk: `video${c.peerId}_4` } });
    expect(stored[4]!.url).toBeUndefined();
    expect(stored[5]).toMatchObject({ kind: 'location', data: { latitude: 55.75, longitude: 37.61, title: 'Moscow' } });
    // The agent opens the stored copy through the REST API.
    expect(photo!.url).toMatch(/^\/api\/v1\/files\//);
    const file = await t.api('GET', photo!.url!.replace('/api/v1', ''));
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer())).toEqual(photoBytes);
    const pdf = await t.api('GET', doc!.url!.replace('/api/v1', ''));
    expect(Buffer.from(await pdf.arrayBuffer())).toEqual(docBytes);
  });

  it('records an edit of a message as an edit', async () => {
    const c = customer();
    const original = await c.say('My order number is 1234');
    await c.ticketNumber();
    await c.deliver(fake.edit(original, 'My order number is 1243'));
    const message = (await c.ticket()).messages.find((m) => m.direction === 'inbound')!;
    expect(message.text).toBe('My order number is 1243');
    expect(message.edits.map((e) => e.previousText)).toEqual(['My order number is 1234']);
    expect(message.editedAt).not.toBeNull();
  });
});

describe('VK outages and limits', () => {
  it('a "too many requests" error (6) delays the reply, which still arrives once', async () => {
    const c = customer();
    await c.say('Позовите оператора');
    await c.message(1);
    const number = await c.ticketNumber();
    fake.failNext('messages.send', 6, 6);
    const at = Date.now();
    await t.api('POST', `/tickets/${number}/messages`, { text: 'After the rate limit' });
    const arrived = await c.message(2, 10_000);
    expect(arrived.text).toBe('After the rate limit');
    // VK's error 6 asks for a second's pause, twice.
    expect(arrived.at - at).toBeGreaterThanOrEqual(1800);
    expect(c.received().filter((m) => m.text === 'After the rate limit')).toHaveLength(1);
  });

  it('VK down at reply time: the reply is delivered once VK is back', async () => {
    const c = customer();
    await c.say('Позовите оператора');
    await c.message(1);
    const number = await c.ticketNumber();
    fake.setDown(true);
    try {
      await t.api('POST', `/tickets/${number}/messages`, { text: 'Sent while VK was down' });
      await eventually(() => fake.callsOf('messages.send').some((call) => call.outcome === 'down'), 5000, 'a refused attempt');
    } finally {
      fake.setDown(false);
    }
    const arrived = await c.message(2, 15_000);
    expect(arrived.text).toBe('Sent while VK was down');
    const message = (await c.ticket()).messages.find((m) => m.text === 'Sent while VK was down')!;
    expect(message.delivery?.state).toBe('sent');
    expect(message.delivery!.attempts).toBeGreaterThanOrEqual(2);
  });

  it('a user who has not allowed messages (901) fails the reply for good, at once', async () => {
    const c = customer();
    await c.say('Позовите оператора');
    await c.message(1);
    const number = await c.ticketNumber();
    fake.failNext('messages.send', 'peer:901');
    await t.api('POST', `/tickets/${number}/messages`, { text: 'Nobody will read this' });
    const message = await eventually(async () => (await c.ticket()).messages.find((m) => m.text === 'Nobody will read this' && m.delivery?.state === 'failed'), 8000, 'failure');
    expect(message.delivery).toMatchObject({ attempts: 1 });
    expect(message.delivery?.error).toMatch(/901/);
  });

  it('splits a long reply at 4096 characters, each part with its own random_id', async () => {
    const c = customer();
    await c.say('Позовите оператора');
    await c.message(1);
    const number = await c.ticketNumber();
    const paragraph = 'Delivery terms explained in detail. '.repeat(50).trim();
    const text = Array.from({ length: 6 }, () => paragraph).join('\n\n');
    await t.api('POST', `/tickets/${number}/messages`, { text });
    await eventually(() => c.received().length >= 4, 8000, 'the parts');
    const parts = c.received().slice(1);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(parts.every((p) => p.text.length <= 4096)).toBe(true);
    expect(parts.map((p) => p.text).join('\n\n')).toBe(text);
    expect(new Set(parts.map((p) => p.randomId)).size).toBe(parts.length);
  });
});
