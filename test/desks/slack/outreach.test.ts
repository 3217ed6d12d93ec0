/**
 * An agent-initiated ticket (POST /api/v1/tickets, src/core/outreach.ts) reaches the Slack desk at
 * once, although the bot takes customers' new tickets: one card, which quotes the agent's opening
 * message as a customer's card quotes the customer's, and the conversation after it in its thread.
 * A customer's own new ticket, which the bot holds, gets no card (the control).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackDesk } from '../../../src/desks/slack/index.js';
import { SAMPLE_KB_DIR } from '../../../src/kb/setup.js';
import { eventually, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { startFakeSlack, type FakeSlack } from './fakeSlack.js';

let t: TestGateway;
let slack: FakeSlack;

beforeAll(async () => {
  slack = await startFakeSlack();
  t = await startTestGateway(
    { KB_DIR: SAMPLE_KB_DIR, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 's', SLACK_AGENT_CHANNEL: 'CDESK', SLACK_API_URL: slack.url },
    { desks: (deps) => [createSlackDesk(deps, { postsPerSecond: 50 })] },
  );
  expect((await t.api('POST', '/agents', { handle: 'anna', name: 'Anna' })).status).toBe(201);
});

afterAll(async () => {
  await t?.stop();
  await slack?.close();
});

const cards = (number: number) => slack.of('chat.postMessage').filter((c) => !c.args.thread_ts && String(c.args.text).startsWith(`#${number} `));

describe('Slack desk and agent-initiated tickets', () => {
  it('posts the card of a ticket an agent started, quoting the agent\'s opening message', async () => {
    const chatId = `chat-${randomUUID()}`;
    const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name: 'Nina' }, text: 'How long does delivery take?' });
    const own = ((await res.json()) as { ticketNumber: number }).ticketNumber;
    await t.gateway.events.idle();
    // The bot holds the customer's own ticket: no card for it.
    expect(cards(own)).toHaveLength(0);
    expect((await t.api('PATCH', `/tickets/${own}`, { status: 'resolved' })).status).toBe(200);
    const contactId = (await t.gateway.db.ticket.findUniqueOrThrow({ where: { number: own } })).contactId;

    const started = await t.api('POST', '/tickets', { contactId, text: 'Nina, your parcel is delayed until Friday.', agent: 'anna' });
    expect(started.status).toBe(201);
    const number = ((await started.json()) as { number: number }).number;
    const card = await eventually(() => cards(number)[0], 10_000, 'the card');
    expect(String(card.args.text)).toBe(`#${number} · Nina · api: Anna wrote first: Nina, your parcel is delayed until Friday.`);
    const quote = (card.args.blocks as { text?: { text?: string } }[]).map((b) => b.text?.text ?? '').find((text) => text.includes('wrote first'));
    expect(quote).toBe('_Anna wrote first:_\n>Nina, your parcel is delayed until Friday.');

    // The customer's answer goes into the thread; the opener, already on the card, is not repeated there.
    const answer = await t.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name: 'Nina' }, text: 'Thanks, Friday is fine' });
    expect(((await answer.json()) as { ticketNumber: number }).ticketNumber).toBe(number);
    const inThread = () => slack.of('chat.postMessage').filter((c) => c.args.thread_ts === card.ts).map((c) => String(c.args.text));
    await eventually(() => inThread().some((text) => text.includes('Friday is fine')), 10_000, "the customer's answer in the thread");
    await t.gateway.events.idle();
    expect(inThread().filter((text) => text.includes('your parcel is delayed'))).toEqual([]);
    expect(cards(number)).toHaveLength(1);
  });
});
