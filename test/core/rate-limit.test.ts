/**
 * Senders' rate limits in delivery, kept in Redis for every instance together: a burst waits in
 * the queue, in order, and nothing is lost. Real BullMQ, Redis and PostgreSQL; the platform is a
 * fake adapter plugged in through the gateway's wiring.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Channel } from '../../src/core/model.js';
import { FakeAdapter, RecordingSender, type SentMessage } from '../support/fakeAdapter.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';

const CHAT_INTERVAL_MS = 300;
const PER_SECOND = 10;
/** Date.now() and Redis's clock round milliseconds differently. */
const SLACK_MS = 5;
/**
 * Channel spacing is kept between the grants of sends (on Redis's clock); the sends this test
 * records may each be late by however long the event loop, busy with two gateways, took.
 */
const LOOP_LAG_MS = 30;

const sent: SentMessage[] = [];
let a: TestGateway;
let b: TestGateway;

/** One fake per channel under test: Telegram-like (per chat) and VK-like (per channel). */
function fakes(name: string) {
  return () => [
    new FakeAdapter('telegram', new RecordingSender('telegram', sent, name, { perChatIntervalMs: CHAT_INTERVAL_MS })),
    new FakeAdapter('vk', new RecordingSender('vk', sent, name, { perSecond: PER_SECOND })),
  ];
}

beforeAll(async () => {
  a = await startTestGateway({ BOT_ENABLED: 'false' }, { adapters: fakes('a') });
  // A second instance on the same database and Redis prefix: one queue, one set of limits.
  b = await startTestGateway({ BOT_ENABLED: 'false' }, { databaseUrl: a.databaseUrl, redisPrefix: a.redisPrefix, adapters: fakes('b') });
});
afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

async function newTicket(channel: Channel): Promise<{ number: number; chatId: string }> {
  const chatId = randomUUID();
  const result = await a.gateway.pipeline.ingest({ channel, chatId, messageId: randomUUID(), from: { id: `u-${chatId}` }, text: 'hello' });
  return { number: result.ticketNumber, chatId };
}

async function reply(via: TestGateway, number: number, text: string): Promise<void> {
  const res = await via.api('POST', `/tickets/${number}/messages`, { text });
  expect(res.status).toBe(201);
}

function sentTo(chatId: string): SentMessage[] {
  return sent.filter((m) => m.chatId === chatId);
}

function gaps(messages: SentMessage[]): number[] {
  return messages.slice(1).map((m, i) => m.at - messages[i]!.at);
}

describe('rate limits in delivery', () => {
  it('spaces a burst to one chat by perChatIntervalMs, in order, losing nothing', async () => {
    const { number, chatId } = await newTicket('telegram');
    const texts = Array.from({ length: 6 }, (_, i) => `reply ${i + 1}`);
    // From both instances: each one's worker takes jobs from the shared queue.
    for (const [i, text] of texts.entries()) await reply(i % 2 ? b : a, number, text);

    await eventually(() => sentTo(chatId).length >= texts.length, 15_000, 'every reply sent');
    const got = sentTo(chatId);
    expect(got.map((m) => m.text)).toEqual(texts);
    for (const gap of gaps(got)) expect(gap).toBeGreaterThanOrEqual(CHAT_INTERVAL_MS - SLACK_MS);
  });

  it('keeps the per-chat interval across instances', async () => {
    const { number, chatId } = await newTicket('telegram');
    // Only instance a delivers the first reply …
    await b.gateway.deliveryWorker.worker.pause();
    await reply(a, number, 'first');
    await eventually(() => sentTo(chatId).length === 1, 5000, 'first reply sent');
    // … and only instance b the second, at once: it must still wait for a's send.
    await a.gateway.deliveryWorker.worker.pause();
    b.gateway.deliveryWorker.worker.resume();
    try {
      await reply(b, number, 'second');
      await eventually(() => sentTo(chatId).length === 2, 5000, 'second reply sent');
    } finally {
      a.gateway.deliveryWorker.worker.resume();
    }
    const got = sentTo(chatId);
    expect(got.map((m) => [m.text, m.by])).toEqual([
      ['first', 'a'],
      ['second', 'b'],
    ]);
    expect(got[1]!.at - got[0]!.at).toBeGreaterThanOrEqual(CHAT_INTERVAL_MS - SLACK_MS);
  });

  it('spaces sends over the whole channel by perSecond', async () => {
    const tickets = await Promise.all(Array.from({ length: 8 }, () => newTicket('vk')));
    const chats = new Set(tickets.map((x) => x.chatId));
    await Promise.all(tickets.map((x, i) => reply(i % 2 ? b : a, x.number, `to chat ${i}`)));

    await eventually(() => sent.filter((m) => chats.has(m.chatId)).length >= tickets.length, 15_000, 'every reply sent');
    const got = sent.filter((m) => chats.has(m.chatId)).sort((x, y) => x.at - y.at);
    expect(got).toHaveLength(tickets.length);
    const spacing = 1000 / PER_SECOND;
    for (const gap of gaps(got)) expect(gap).toBeGreaterThanOrEqual(spacing - LOOP_LAG_MS);
    expect(got.at(-1)!.at - got[0]!.at).toBeGreaterThanOrEqual((got.length - 1) * spacing - LOOP_LAG_MS);
  });
});
