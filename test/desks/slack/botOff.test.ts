/**
 * With the bot off, every new ticket is for people: the card comes on `ticket.created`. Slack's
 * 429 on a post is waited out (Retry-After) and retried, not lost. Without settings the desk is off.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackDesk } from '../../../src/desks/slack/index.js';
import { slackSignature, verifySlackSignature } from '../../../src/desks/slack/verify.js';
import { eventually, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { startFakeSlack, type FakeSlack } from './fakeSlack.js';

let t: TestGateway;
let slack: FakeSlack;

beforeAll(async () => {
  slack = await startFakeSlack();
  t = await startTestGateway(
    { BOT_ENABLED: 'false', SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 's', SLACK_AGENT_CHANNEL: 'CDESK', SLACK_API_URL: slack.url },
    { desks: (deps) => [createSlackDesk(deps, { postsPerSecond: 50 })] },
  );
});

afterAll(async () => {
  await t?.stop();
  await slack?.close();
});

describe('Slack desk with the bot off', () => {
  it('posts a card for a new ticket, retrying after a 429', async () => {
    slack.rateLimitNext('chat.postMessage', 1, 1);
    const chatId = `chat-${randomUUID()}`;
    const started = Date.now();
    await t.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name: 'Nina' }, text: 'Where is my parcel?' });
    const card = await eventually(() => slack.of('chat.postMessage').find((c) => String(c.args.text).includes(' · Nina · ')), 15_000, 'the card');
    expect(card.at - started).toBeGreaterThanOrEqual(900);
    expect(JSON.stringify(card.args.blocks)).toContain('Where is my parcel?');
    expect(slack.of('chat.postMessage').filter((c) => String(c.args.text).includes(' · Nina · '))).toHaveLength(1);
  });
});

describe('Slack desk settings and signatures', () => {
  it('is off without settings, and an error naming what is missing with some', async () => {
    const base = t.gateway.config;
    const deps = { db: t.gateway.db, tickets: t.gateway.tickets, events: t.gateway.events, redis: t.gateway.redis.adapters, botHandles: () => false, next: (agent: string) => t.gateway.assignment.next(agent), requireAdmin: () => undefined, log: (await import('../../../src/logger.js')).createLogger('silent') };
    const off = createSlackDesk({ ...deps, config: { ...base, SLACK_BOT_TOKEN: undefined, SLACK_SIGNING_SECRET: undefined, SLACK_AGENT_CHANNEL: undefined } });
    expect(off.status().state).toBe('off');
    expect(off.router).toBeUndefined();
    const half = createSlackDesk({ ...deps, config: { ...base, SLACK_SIGNING_SECRET: undefined } });
    expect(half.status()).toMatchObject({ state: 'error', lastError: 'missing SLACK_SIGNING_SECRET or SLACK_APP_TOKEN' });
    expect(half.router).toBeUndefined();
    // Customer channels alone need the desk too: said, not silently ignored.
    const customersOnly = createSlackDesk({ ...deps, config: { ...base, SLACK_BOT_TOKEN: undefined, SLACK_SIGNING_SECRET: undefined, SLACK_AGENT_CHANNEL: undefined, SLACK_CUSTOMER_CHANNELS: ['CACME'] } });
    expect(customersOnly.status()).toMatchObject({ state: 'error', lastError: 'missing SLACK_BOT_TOKEN, SLACK_AGENT_CHANNEL, SLACK_SIGNING_SECRET or SLACK_APP_TOKEN' });
    // Socket Mode without a signing secret: on, with no HTTP route (nothing could verify its requests).
    const socket = createSlackDesk({ ...deps, config: { ...base, SLACK_SIGNING_SECRET: undefined, SLACK_APP_TOKEN: 'xapp-test' } });
    expect(socket.status()).toMatchObject({ state: 'connecting', detail: 'socket mode' });
    expect(socket.router).toBeUndefined();
  });

  it('verifies signatures on the raw body and refuses stale timestamps', () => {
    const now = Date.now();
    const ts = String(Math.floor(now / 1000));
    const body = Buffer.from('token=x&command=%2Fdesk');
    expect(verifySlackSignature('secret', { signature: slackSignature('secret', ts, body), timestamp: ts }, body, now)).toBe(true);
    expect(verifySlackSignature('secret', { signature: slackSignature('other', ts, body), timestamp: ts }, body, now)).toBe(false);
    expect(verifySlackSignature('secret', { signature: slackSignature('secret', ts, body), timestamp: ts }, Buffer.from('token=y'), now)).toBe(false);
    expect(verifySlackSignature('secret', { signature: slackSignature('secret', ts, body), timestamp: ts }, body, now + 6 * 60_000)).toBe(false);
    expect(verifySlackSignature('secret', { signature: undefined, timestamp: ts }, body, now)).toBe(false);
  });
});
