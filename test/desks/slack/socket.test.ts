/**
 * The Slack desk in Socket Mode (SLACK_APP_TOKEN, no signing secret, no public URL): it opens a
 * WebSocket to the fake Slack through apps.connections.open, and events, button presses and the
 * slash command come as envelopes it must ack. The customer writes on the API channel.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackDesk } from '../../../src/desks/slack/index.js';
import { SAMPLE_KB_DIR } from '../../../src/kb/setup.js';
import { eventually, startTestGateway, type TestGateway, API_SECRET } from '../../support/gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhookReceiver.js';
import { startFakeSlack, type FakeSlack } from './fakeSlack.js';
import { handOff as handOffToSlack } from './handOff.js';

const CHANNEL = 'CAGENTS';

let t: TestGateway;
let slack: FakeSlack;
let hook: WebhookReceiver;

beforeAll(async () => {
  slack = await startFakeSlack();
  hook = await startWebhookReceiver(API_SECRET);
  t = await startTestGateway(
    {
      API_CHANNEL_WEBHOOK_URL: hook.url,
      KB_DIR: SAMPLE_KB_DIR,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_APP_TOKEN: 'xapp-test',
      SLACK_AGENT_CHANNEL: CHANNEL,
      SLACK_API_URL: slack.url,
    },
    { desks: (deps) => [createSlackDesk(deps, { postsPerSecond: 50 })] },
  );
  await t.gateway.db.agent.create({ data: { handle: 'alice', name: 'Alice', email: 'alice@example.com', slackUserId: 'UALICE' } });
  await eventually(() => (t.gateway.desks[0]?.status().state === 'connected' ? true : undefined), 10_000, 'the socket to connect');
});

afterAll(async () => {
  await t?.stop();
  await slack?.close();
  await hook?.close();
});

function eventEnvelope(event: Record<string, unknown>, eventId = `Ev${randomUUID()}`, retry = 0) {
  return slack.sendEnvelope({ type: 'events_api', payload: { type: 'event_callback', team_id: 'T1', event_id: eventId, event }, ...(retry ? { retry_attempt: retry } : {}) });
}

const handOff = (name: string) => handOffToSlack(t, slack, CHANNEL, name);

describe('Slack desk over Socket Mode', () => {
  it('connects with the app token, and serves no HTTP route without a signing secret', async () => {
    expect(slack.sockets()).toBe(1);
    const open = slack.of('apps.connections.open');
    expect(open.length).toBeGreaterThanOrEqual(1);
    expect(open.every((c) => c.token === 'xapp-test')).toBe(true);
    expect(t.gateway.desks[0]?.status().detail).toMatch(/^socket mode/);
    const res = await fetch(`${t.baseUrl}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"url_verification","challenge":"x"}' });
    expect(res.status).toBe(404);
  });

  it("acks an agent's thread reply and sends it to the customer once, even when Slack sends the event again", async () => {
    const { number, ts, chatId } = await handOff('Sofia');
    const eventId = `Ev${randomUUID()}`;
    const event = { type: 'message', channel: CHANNEL, channel_type: 'channel', user: 'UALICE', text: 'Sofia, your parcel is on its way', ts: '1800000100.000001', thread_ts: ts };
    expect(await eventEnvelope(event, eventId)).toEqual({});
    expect(await eventEnvelope(event, eventId, 1)).toEqual({});
    await eventually(() => hook.received.some((r) => r.body.chatId === chatId && JSON.stringify(r.body).includes('your parcel is on its way')), 10_000, 'the reply at the webhook');
    await t.gateway.events.idle();
    await new Promise((r) => setTimeout(r, 300));
    expect(hook.received.filter((r) => r.body.chatId === chatId && JSON.stringify(r.body).includes('your parcel is on its way'))).toHaveLength(1);
    const after = await t.gateway.db.ticket.findUniqueOrThrow({ where: { number }, include: { assignee: true } });
    expect(after.assignee?.handle).toBe('alice');
    expect(after.firstRespondedAt).not.toBeNull();
  });

  it('takes button presses and answers the slash command in its ack', async () => {
    const { number, ts } = await handOff('Timur');
    const press = { type: 'block_actions', user: { id: 'UALICE' }, channel: { id: CHANNEL }, message: { ts }, actions: [{ action_id: 'desk_resolve', value: String(number), type: 'button' }] };
    expect(await slack.sendEnvelope({ type: 'interactive', payload: press })).toEqual({});
    await eventually(async () => ((await t.gateway.db.ticket.findUniqueOrThrow({ where: { number } })).status === 'resolved' ? true : undefined), 5000, 'the resolve');

    const answer = await slack.sendEnvelope({ type: 'slash_commands', payload: { command: '/desk', text: 'status', user_id: 'UALICE', channel_id: CHANNEL, team_id: 'T1' } });
    expect(answer.response_type).toBe('ephemeral');
    expect(String(answer.text)).toMatch(/^Queue: \d+ unassigned · overdue: \d+$/);
    const refused = await slack.sendEnvelope({ type: 'slash_commands', payload: { command: '/desk', text: 'next', user_id: 'USTRANGER', channel_id: CHANNEL } });
    expect(String(refused.text)).toMatch(/not an agent/);
  });
});
