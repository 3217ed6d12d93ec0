/** Shared by the Slack desk's tests: a customer on the API channel asks for a person, and the desk posts the card. */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { eventually, type TestGateway } from '../../support/gateway.js';
import type { FakeSlack } from './fakeSlack.js';

/** Resolves with the ticket, its card's ts, and the customer's chat, once the card's thread is stored (replies are taken from then on). */
export async function handOff(t: TestGateway, slack: FakeSlack, channel: string, name: string): Promise<{ number: number; ts: string; chatId: string }> {
  const chatId = `chat-${randomUUID()}`;
  const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name }, text: 'I want to talk to a human' });
  expect(res.status).toBeLessThan(300);
  const card = await eventually(
    () => slack.of('chat.postMessage').find((c) => c.args.channel === channel && !c.args.thread_ts && String(c.args.text).includes(` · ${name} · `)),
    10_000,
    `the card of ${name}`,
  );
  const number = Number(/#(\d+)/.exec(String(card.args.text))?.[1]);
  await eventually(() => t.gateway.db.deskThread.findFirst({ where: { ticket: { number }, threadId: card.ts! } }).then((r) => r ?? undefined), 5000, 'the desk thread');
  return { number, ts: card.ts!, chatId };
}
