/** An agent's edit of a reply in a Slack customer channel: `chat.update` of the message posted there. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackSignature } from '../../../src/desks/slack/verify.js';
import { eventually, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { startFakeSlack, type FakeSlack } from '../../desks/slack/fakeSlack.js';

const SECRET = 'test-slack-signing-secret';
const ACME = 'CACME';

let t: TestGateway;
let slack: FakeSlack;

beforeAll(async () => {
  slack = await startFakeSlack();
  t = await startTestGateway({
    BOT_ENABLED: 'false',
    SLACK_BOT_TOKEN: 'xoxb-test',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_AGENT_CHANNEL: 'CAGENTS',
    SLACK_CUSTOMER_CHANNELS: ACME,
    SLACK_API_URL: slack.url,
  });
  await t.gateway.db.agent.create({ data: { handle: 'alice', name: 'Alice', slackUserId: 'UALICE' } });
  slack.names.set('UJOHN', 'John Smith');
  await eventually(() => (t.gateway.adapters.statuses().slack?.state === 'connected' ? true : undefined), 5000, 'the Slack channel to connect');
});
afterAll(async () => {
  await t?.stop();
  await slack?.close();
});

describe('Slack customer channels: an agent edits a reply', () => {
  it('chat.update edits the reply in the customer’s thread', async () => {
    const ts = '1800000000.000100';
    const body = JSON.stringify({ type: 'event_callback', team_id: 'T1', event_id: `Ev${randomUUID()}`, event: { type: 'message', channel: ACME, user: 'UJOHN', text: 'Our export is broken', ts } });
    const timestamp = Math.floor(Date.now() / 1000);
    const res = await fetch(`${t.baseUrl}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': slackSignature(SECRET, timestamp, body) }, body });
    expect(res.status).toBe(200);
    const { number } = await eventually(() => t.gateway.db.ticket.findFirst({ where: { conversation: { channel: 'slack', externalChatId: ACME } } }).then((r) => r ?? undefined), 5000, 'the ticket');

    const reply = await t.api('POST', `/tickets/${number}/messages`, { text: 'Fixed in *v2.1*', agent: 'alice' });
    const { messageId } = (await reply.json()) as { messageId: string };
    const posted = await eventually(() => slack.of('chat.postMessage').find((c) => c.args.channel === ACME && String(c.args.text).includes('Fixed in')), 8000, 'the reply in the customer channel');
    await eventually(async () => (await t.gateway.db.message.findUniqueOrThrow({ where: { id: messageId } })).deliveryState === 'sent', 5000, 'sent');

    expect((await t.api('PATCH', `/tickets/${number}/messages/${messageId}`, { text: 'Fixed in *v2.2*' })).status).toBe(200);
    const update = await eventually(() => slack.of('chat.update').find((c) => c.args.channel === ACME), 8000, 'chat.update');
    expect(update.args).toMatchObject({ channel: ACME, ts: posted.ts });
    expect(String(update.args.text)).toContain('v2.2');
    await eventually(async () => (await t.gateway.db.messageEdit.findFirst({ where: { messageId } }))?.deliveryState === 'sent', 5000, 'the edit sent');
  });
});
