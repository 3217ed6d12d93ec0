/**
 * The VK channel on Bots Long Poll (no Callback API settings), end to end: the gateway builds the
 * adapter from its environment, polls the fake VK's long poll server, and survives it going away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type TestGateway } from '../../support/gateway.js';
import { FakeVk } from './fakeVk.js';
import { startVkGateway, VkCustomer } from './support.js';

let fake: FakeVk;
let t: TestGateway;
let nextPeer = 5000;

beforeAll(async () => {
  fake = await new FakeVk().start();
  t = await startVkGateway(fake, { longPoll: true });
  // As on VK, events from before the poll started are not delivered: wait for it.
  await eventually(async () => (await vkStatus()).state === 'connected', 10_000, 'the long poll to start');
});
afterAll(async () => {
  await t?.stop();
  await fake?.close();
});

function customer(): VkCustomer {
  const peer = ++nextPeer;
  fake.addUser(peer, 'Anna', 'Smirnova');
  return new VkCustomer(t, fake, peer);
}

async function vkStatus(): Promise<{ state: string; detail?: string; lastError?: string }> {
  const res = await t.api('GET', '/channels');
  return ((await res.json()) as { vk: { state: string; detail?: string; lastError?: string } }).vk;
}

describe('VK Bots Long Poll', () => {
  it('receives a message, and the bot answers it', async () => {
    const c = customer();
    fake.pushLongPoll(fake.message(c.peerId, 'How long does delivery take?'));
    const answer = await c.message(1);
    expect(answer.text).toMatch(/^How long does delivery take/);
    expect(answer.keyboard?.buttons.flat()).toHaveLength(2);
    expect((await c.ticket()).contact?.name).toBe('Anna Smirnova');
    expect(await vkStatus()).toMatchObject({ state: 'connected', detail: 'long polling, @fakeshop (club7001)' });
    // No Callback API route in long poll mode.
    expect((await fetch(`${t.baseUrl}/webhooks/vk`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('takes an expired key in its stride (failed: 2), losing nothing', async () => {
    const c = customer();
    fake.expireLongPollKey();
    fake.pushLongPoll(fake.message(c.peerId, 'Позовите оператора'));
    expect((await c.message(1)).text).toMatch(/^Передаю ваш вопрос оператору/);
  });

  it('survives VK going away: reports it, backs off, and gets what was sent meanwhile', async () => {
    const c = customer();
    fake.setDown(true);
    fake.expireLongPollKey(); // the next poll needs a new key, from the API that is down too
    try {
      await eventually(async () => (await vkStatus()).state !== 'connected', 10_000, 'the outage to show');
      expect((await vkStatus()).lastError).toBeTruthy();
      fake.pushLongPoll(fake.message(c.peerId, 'Written while the bot was away'));
    } finally {
      fake.setDown(false);
    }
    await eventually(async () => (await vkStatus()).state === 'connected', 15_000, 'reconnection');
    await c.ticketNumber();
    const ticket = await c.ticket();
    expect(ticket.messages.filter((m) => m.direction === 'inbound').map((m) => m.text)).toEqual(['Written while the bot was away']);
  });
});
