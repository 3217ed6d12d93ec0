/**
 * An agent's edit of a reply reaching a VK customer: `messages.edit` of the sent message (by its
 * conversation message id), retried while VK is busy, and not attempted past VK's day.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type TestGateway } from '../../support/gateway.js';
import { FakeVk } from './fakeVk.js';
import { startVkGateway, VkCustomer } from './support.js';

let fake: FakeVk;
let t: TestGateway;
let peer = 52_000;

beforeAll(async () => {
  fake = await new FakeVk().start();
  t = await startVkGateway(fake, { env: { BOT_ENABLED: 'false', DELIVERY_MAX_ATTEMPTS: '20' } });
  expect((await t.api('POST', '/agents', { handle: 'anna', name: 'Anna' })).status).toBe(201);
});
afterAll(async () => {
  await t?.stop();
  await fake?.close();
});

async function ticketWithReply(text: string): Promise<{ customer: VkCustomer; number: number; id: string }> {
  const customer = new VkCustomer(t, fake, ++peer);
  fake.addUser(customer.peerId, 'Пётр', 'Иванов');
  await customer.say('Здравствуйте, где заказ?');
  const number = await customer.ticketNumber();
  const res = await t.api('POST', `/tickets/${number}/messages`, { text, agent: 'anna' });
  expect(res.status).toBe(201);
  const { messageId: id } = (await res.json()) as { messageId: string };
  await eventually(async () => (await t.gateway.db.message.findUnique({ where: { id } }))?.deliveryState === 'sent', 8000, 'the reply delivered');
  return { customer, number, id };
}

const editsOf = (peerId: number) => fake.callsOf('messages.edit').filter((c) => Number(c.params.peer_id) === peerId);

describe('VK: an agent edits a reply', () => {
  it('messages.edit puts the new text into the message the customer has', async () => {
    const { customer, number, id } = await ticketWithReply('Курьер будет в 10:00');
    const [sent] = customer.received();
    expect((await t.api('PATCH', `/tickets/${number}/messages/${id}`, { text: 'Курьер будет в 12:00' })).status).toBe(200);
    await eventually(() => fake.edits.some((e) => e.peerId === customer.peerId), 8000, 'messages.edit');
    expect(fake.edits.filter((e) => e.peerId === customer.peerId)).toEqual([{ peerId: customer.peerId, cmid: sent!.cmid, text: 'Курьер будет в 12:00' }]);
    expect(customer.received().map((m) => m.text)).toEqual(['Курьер будет в 12:00']);
    expect(editsOf(customer.peerId)[0]!.params).toMatchObject({ conversation_message_id: String(sent!.cmid), keep_forward_messages: '1' });
  });

  it('VK being busy (error 10) is retried until the edit gets through', async () => {
    const { customer, number, id } = await ticketWithReply('Сумма 990 руб.');
    fake.failNext('messages.edit', 10, 10);
    expect((await t.api('PATCH', `/tickets/${number}/messages/${id}`, { text: 'Сумма 1090 руб.' })).status).toBe(200);
    await eventually(() => fake.edits.some((e) => e.peerId === customer.peerId), 10_000, 'the edit after the errors');
    expect(editsOf(customer.peerId).map((c) => c.outcome)).toEqual(['error', 'error', 'ok']);
    expect(customer.received().map((m) => m.text)).toEqual(['Сумма 1090 руб.']);
  });

  it('a reply older than VK’s day is not edited: the edit is recorded as not delivered (too old)', async () => {
    const { customer, number, id } = await ticketWithReply('Ответ вчерашний');
    await t.gateway.db.message.update({ where: { id }, data: { deliveredAt: new Date(Date.now() - 25 * 3600_000) } });
    const failed = new Promise<unknown>((resolve) => t.gateway.events.on('reply.edit_failed', resolve));
    expect((await t.api('PATCH', `/tickets/${number}/messages/${id}`, { text: 'Ответ исправленный' })).status).toBe(200);
    expect(await failed).toMatchObject({ messageId: id, reason: 'too_old' });
    expect(await t.gateway.db.messageEdit.findFirstOrThrow({ where: { messageId: id } })).toMatchObject({ deliveryState: 'failed' });
    expect(editsOf(customer.peerId)).toHaveLength(0);
    expect(customer.received().map((m) => m.text)).toEqual(['Ответ вчерашний']);
  });
});
