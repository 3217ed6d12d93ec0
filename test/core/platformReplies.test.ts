/**
 * Agents' replies written on the customer's platform (src/core/platformReplies.ts), through the
 * core alone: recorded on the chat's open ticket as a delivered agent reply, counted like a
 * desk's reply, never sent, and once per platform id however often (and however concurrently)
 * the platform repeats it. The API channel stands in for the platform; its webhook must stay quiet.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PlatformReplies } from '../../src/core/platformReplies.js';
import { API_SECRET, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';

let t: TestGateway;
let hook: WebhookReceiver;
let replies: PlatformReplies;

beforeAll(async () => {
  hook = await startWebhookReceiver(API_SECRET);
  t = await startTestGateway({ API_CHANNEL_WEBHOOK_URL: hook.url, BOT_ENABLED: 'false' });
  await t.api('POST', '/agents', { handle: 'ivan', name: 'Иван', email: 'ivan@example.com' });
  replies = new PlatformReplies(t.gateway.db, t.gateway.tickets);
});
afterAll(async () => {
  await t?.stop();
  await hook?.close();
});
beforeEach(() => hook.reset());

async function newTicket(sentAt?: Date): Promise<{ number: number; chatId: string }> {
  const chatId = randomUUID();
  const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: `u-${chatId}`, name: 'Olga' }, text: 'help', ...(sentAt ? { sentAt: sentAt.toISOString() } : {}) });
  expect(res.status).toBe(202);
  return { number: ((await res.json()) as { ticketNumber: number }).ticketNumber, chatId };
}

const ticket = (number: number) => t.gateway.db.ticket.findUniqueOrThrow({ where: { number } });
const agentMessages = (number: number) => t.gateway.db.message.findMany({ where: { ticket: { number }, authorKind: 'agent' }, orderBy: { seq: 'asc' } });

describe('agent replies already delivered on the platform', () => {
  it('records one delivered reply however often it comes, counts it as the first response, and sends nothing', async () => {
    const { number, chatId } = await newTicket(new Date(Date.now() - 60_000));
    const writtenAt = new Date(Date.now() - 2000);
    const reply = { channel: 'api' as const, chatId, messageId: `agent-${randomUUID()}`, agent: 'ivan', text: 'On it', sentAt: writtenAt };
    const results = await Promise.all([replies.record(reply), replies.record(reply), replies.record(reply)]);
    expect(results.map((r) => r?.duplicate).sort()).toEqual([false, true, true]);
    expect(new Set(results.map((r) => r?.messageId)).size).toBe(1);
    expect(results.every((r) => r?.ticketNumber === number)).toBe(true);

    const [stored, ...more] = await agentMessages(number);
    expect(more).toHaveLength(0);
    expect(stored).toMatchObject({ direction: 'outbound', text: 'On it', authorName: 'Иван', deliveryState: 'sent', deliveryAttempts: 0, platformMessageId: reply.messageId });
    expect(stored!.deliveredAt).not.toBeNull();
    const t1 = await ticket(number);
    expect(t1.firstRespondedAt?.getTime()).toBe(writtenAt.getTime());
    expect(t1.lastAgentReplyAt?.getTime()).toBe(writtenAt.getTime());
    expect(t1.status).toBe('open');
    expect(t1.botActive).toBe(false);
    expect(t1.assigneeId).not.toBeNull();

    // Never queued, so never delivered: the sweep (every 500 ms in tests) finds nothing either.
    await new Promise((r) => setTimeout(r, 1200));
    expect(hook.attempts).toHaveLength(0);
    expect(await t.gateway.deliveryQueue.queue.getJob(stored!.id)).toBeUndefined();
  });

  it("keeps the times sane: not before the ticket opened, not in the future, and the last reply never moves back", async () => {
    const { number, chatId } = await newTicket(new Date(Date.now() - 60_000));
    const opened = await ticket(number);
    // Written (by the platform's clock) before the ticket opened: the first response is the opening.
    await replies.record({ channel: 'api', chatId, messageId: `agent-${randomUUID()}`, agent: 'ivan', text: 'early', sentAt: new Date(opened.openedAt.getTime() - 5000) });
    expect((await ticket(number)).firstRespondedAt?.getTime()).toBe(opened.openedAt.getTime());

    // A desk reply now, then a platform reply written earlier but recorded late: the last reply stays the desk's.
    await t.gateway.tickets.reply(number, { text: 'from the desk', agent: 'ivan' });
    const afterDesk = (await ticket(number)).lastAgentReplyAt!;
    await replies.record({ channel: 'api', chatId, messageId: `agent-${randomUUID()}`, agent: 'ivan', text: 'late', sentAt: new Date(afterDesk.getTime() - 10_000) });
    expect((await ticket(number)).lastAgentReplyAt?.getTime()).toBe(afterDesk.getTime());

    // A platform clock ahead of ours counts as now.
    const before = Date.now();
    const future = await replies.record({ channel: 'api', chatId, messageId: `agent-${randomUUID()}`, agent: 'ivan', text: 'future', sentAt: new Date(Date.now() + 3_600_000) });
    const last = (await ticket(number)).lastAgentReplyAt!.getTime();
    expect(last).toBeGreaterThanOrEqual(before);
    expect(last).toBeLessThanOrEqual(Date.now());
    expect((await t.gateway.db.message.findUniqueOrThrow({ where: { id: future!.messageId } })).sentAt.getTime()).toBe(last);
  });

  it('records nothing for a chat without an open ticket', async () => {
    expect(await replies.record({ channel: 'api', chatId: randomUUID(), messageId: `agent-${randomUUID()}`, agent: 'ivan', text: 'hello?' })).toBeNull();
    const { number, chatId } = await newTicket();
    await t.gateway.tickets.update(number, { status: 'closed' }, { kind: 'system' });
    expect(await replies.record({ channel: 'api', chatId, messageId: `agent-${randomUUID()}`, agent: 'ivan', text: 'after closing' })).toBeNull();
    expect(await agentMessages(number)).toHaveLength(0);
  });
});
