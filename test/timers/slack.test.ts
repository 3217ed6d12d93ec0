/**
 * What the Slack desk says when timers fire: an SLA warning mentions the assignee in the card's
 * thread, a breach is told in the thread and in the supervisor's channel, and a snoozed ticket
 * that woke up reminds its assignee. A real gateway with real BullMQ, and a fake Slack Web API.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackDesk } from '../../src/desks/slack/index.js';
import { eventually, startTestGateway, type TestGateway } from '../support/gateway.js';
import { startFakeSlack, type FakeSlack } from '../desks/slack/fakeSlack.js';

const CHANNEL = 'CDESK';
const SUPERVISOR = 'CSUPER';
const TEAM = 'CSUPPORT';
const WAIT = 30_000;

const DESK = `
calendars:
  always: { timeZone: UTC, hours: { mon: ["00:00-24:00"], tue: ["00:00-24:00"], wed: ["00:00-24:00"], thu: ["00:00-24:00"], fri: ["00:00-24:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"] } }
sla:
  - { priority: normal, calendar: always, firstResponse: 10s, resolution: 1h }
teams:
  - { name: support, line: 1, strategy: pool, slackChannel: ${TEAM} }
  - { name: experts, line: 2, strategy: pool }
agents:
  - { handle: anna, name: Anna, slackUserId: UANNA, teams: [support] }
timers:
  slaWarning: 0.5
supervisor: { slackChannel: ${SUPERVISOR} }
automation:
  - name: Refunds are watched
    when: ticket.created
    if: { text: [refund] }
    then:
      - { setTeam: support }
      - { notify: team, message: "a refund request" }
      - { notify: supervisor, message: "refund opened" }
      - { notify: assignee, message: "check the payment" }
`;

let t: TestGateway;
let slack: FakeSlack;

beforeAll(async () => {
  slack = await startFakeSlack();
  const file = path.join(tmpdir(), `omnidesk-timers-slack-${randomUUID()}.yaml`);
  await writeFile(file, DESK);
  t = await startTestGateway(
    { BOT_ENABLED: 'false', DESK_CONFIG: file, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 's', SLACK_AGENT_CHANNEL: CHANNEL, SLACK_API_URL: slack.url },
    { desks: (deps) => [createSlackDesk(deps, { postsPerSecond: 50 })] },
  );
  await eventually(() => t.gateway.desks[0]?.status().state === 'connected', 10_000, 'the Slack desk');
});

afterAll(async () => {
  await t?.stop();
  await slack?.close();
});

/** A new ticket for people, with its card; assigned to Anna. */
async function assignedTicket(name: string): Promise<{ number: number; ts: string }> {
  const chatId = `chat-${randomUUID()}`;
  const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name }, text: 'My parcel is late' });
  const { ticketNumber: number } = (await res.json()) as { ticketNumber: number };
  expect((await t.api('PATCH', `/tickets/${number}`, { assignee: 'anna' })).status).toBe(200);
  const card = await eventually(() => slack.of('chat.postMessage').find((c) => c.args.channel === CHANNEL && !c.args.thread_ts && String(c.args.text).includes(` · ${name} · `)), WAIT, 'the card');
  return { number, ts: card.ts! };
}

const inThread = (ts: string, pattern: RegExp) => slack.of('chat.postMessage').filter((c) => c.args.thread_ts === ts && pattern.test(String(c.args.text)));

describe('Slack desk and timers', () => {
  it('mentions the assignee at the SLA warning, and tells the thread and the supervisor at the breach', async () => {
    const { number, ts } = await assignedTicket('Vera');
    const warning = await eventually(() => inThread(ts, /:hourglass_flowing_sand:/)[0], WAIT, 'the warning in the thread');
    expect(String(warning.args.text)).toContain('<@UANNA>');
    expect(String(warning.args.text)).toContain(`first response of #${number}`);

    const breach = await eventually(() => inThread(ts, /:rotating_light:/)[0], WAIT, 'the breach in the thread');
    expect(String(breach.args.text)).toMatch(/missed its first-response deadline .*priority high, escalated to line 2 \(team experts\)/);
    const told = await eventually(() => slack.of('chat.postMessage').find((c) => c.args.channel === SUPERVISOR && String(c.args.text).includes(`#${number} from Vera`)), WAIT, 'the supervisor');
    expect(String(told.args.text)).toContain('SLA breach');
    expect(inThread(ts, /:hourglass_flowing_sand:/)).toHaveLength(1);
  }, 60_000);

  it('reminds the assignee in the thread when a snoozed ticket wakes up', async () => {
    const { number, ts } = await assignedTicket('Oleg');
    expect((await t.api('PATCH', `/tickets/${number}`, { status: 'pending', pendingUntil: new Date(Date.now() + 2000).toISOString() })).status).toBe(200);
    const reminder = await eventually(() => inThread(ts, /:alarm_clock:/)[0], WAIT, 'the wake-up reminder');
    expect(String(reminder.args.text)).toContain(`<@UANNA>: #${number} was snoozed until`);
  }, 60_000);
  it("posts automation's notices in the team's channel, the supervisor's channel and the card's thread", async () => {
    const chatId = `chat-${randomUUID()}`;
    const res = await t.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name: 'Rita' }, text: 'I want a refund' });
    const { ticketNumber: number } = (await res.json()) as { ticketNumber: number };
    const rule = `#${number} (rule “Refunds are watched”)`;
    const posted = (channel: string, text: string) => eventually(() => slack.of('chat.postMessage').find((c) => c.args.channel === channel && c.args.text === text), WAIT, `"${text}" in ${channel}`);
    await posted(TEAM, `:robot_face: ${rule}: a refund request`);
    await posted(SUPERVISOR, `:robot_face: ${rule}: refund opened`);
    // Nobody is assigned yet: the team is named, in the card's thread.
    const card = await eventually(() => slack.of('chat.postMessage').find((c) => c.args.channel === CHANNEL && !c.args.thread_ts && String(c.args.text).includes(' · Rita · ')), WAIT, 'the card');
    const toAssignee = await posted(CHANNEL, `:robot_face: Team support: ${rule}: check the payment`);
    expect(toAssignee.args.thread_ts).toBe(card.ts);
  }, 60_000);
});
