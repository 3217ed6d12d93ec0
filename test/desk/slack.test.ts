/**
 * The Slack desk on top of assignment: `/desk next` hands out the pull queue's ticket, and a
 * reassignment on silence is told in the card's thread, naming the old assignee.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackDesk } from '../../src/desks/slack/index.js';
import { slackSignature } from '../../src/desks/slack/verify.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startFakeSlack, type FakeSlack } from '../desks/slack/fakeSlack.js';

const SECRET = 'test-slack-signing-secret';
const CHANNEL = 'CDESK';
let t: TestGateway;
let slack: FakeSlack;

beforeAll(async () => {
  slack = await startFakeSlack();
  t = await startTestGateway(
    { BOT_ENABLED: 'false', DESK_CONFIG: 'test/desk/fixtures/assignment.yaml', SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: SECRET, SLACK_AGENT_CHANNEL: CHANNEL, SLACK_API_URL: slack.url },
    { desks: (deps) => [createSlackDesk(deps, { postsPerSecond: 50 })] },
  );
  for (const handle of ['s1', 's2', 'q1', 'q5']) await t.gateway.db.agent.update({ where: { handle }, data: { slackUserId: `U${handle.toUpperCase()}` } });
});

afterAll(async () => {
  await t?.stop();
  await slack?.close();
});

function slash(user: string, text: string): Promise<Response> {
  const body = new URLSearchParams({ command: '/desk', text, user_id: user, channel_id: CHANNEL, team_id: 'T1' }).toString();
  const ts = Math.floor(Date.now() / 1000);
  return fetch(`${t.baseUrl}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': slackSignature(SECRET, ts, body) },
    body,
  });
}

async function ticketIn(topic: string, name: string): Promise<number> {
  const chatId = `c-${randomUUID()}`;
  const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name }, text: 'Hello, I need help', topic });
  const { ticketNumber } = (await res.json()) as { ticketNumber: number };
  await t.gateway.events.idle();
  return ticketNumber;
}

describe('Slack desk with assignment', () => {
  it('/desk next takes the most urgent ticket of the queue, and refuses at capacity', async () => {
    const normal = await ticketIn('pool', 'Normal Customer');
    const urgent = await ticketIn('pool', 'Urgent Customer');
    expect((await t.api('PATCH', `/tickets/${urgent}`, { priority: 'urgent' })).status).toBe(200);
    const first = ((await (await slash('UQ1', 'next')).json()) as { text: string }).text;
    expect(first).toBe(`You took ticket #${urgent}.`);
    expect(((await (await slash('UQ5', 'next')).json()) as { text: string }).text).toBe(`You took ticket #${normal}.`);
    // q5 holds one ticket, their capacity.
    await ticketIn('pool', 'Third Customer');
    expect(((await (await slash('UQ5', 'next')).json()) as { text: string }).text).toBe('@q5 is at capacity (1 open ticket): resolve or hand one over first');
  });

  it('tells the card thread when a silent assignee loses the ticket', async () => {
    const number = await ticketIn('silent', 'Silent Case');
    const card = await eventually(() => slack.of('chat.postMessage').find((c) => !c.args.thread_ts && String(c.args.text).includes(`#${number}`)), 10_000, 'the card');
    await eventually(() => t.gateway.db.deskThread.findFirst({ where: { ticket: { number }, threadId: card.ts! } }).then((r) => r ?? undefined), 5000, 'the thread');
    const before = await t.gateway.db.ticket.findUniqueOrThrow({ where: { number }, include: { assignee: true } });
    const from = before.assignee!.handle;
    const to = from === 's1' ? 's2' : 's1';
    await t.gateway.db.ticket.update({ where: { number }, data: { assignedAt: new Date(Date.now() - 31 * 60_000) } });
    expect(await t.gateway.assignment.reassignIfSilent(before.id)).toMatchObject({ outcome: 'reassigned' });
    const line = await eventually(
      () => slack.of('chat.postMessage').find((c) => c.args.thread_ts === card.ts && String(c.args.text).includes('did not reply in time')),
      10_000,
      'the reassignment line',
    );
    expect(line.args.text).toBe(`:alarm_clock: <@U${from.toUpperCase()}> did not reply in time: the ticket is reassigned to <@U${to.toUpperCase()}>.`);
  });
});
