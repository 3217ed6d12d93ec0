/**
 * Slack as a customer channel (SLACK_CUSTOMER_CHANNELS) end to end: a real gateway with the
 * Slack desk in HTTP mode and the sample KB, a fake Slack Web API, and correctly signed events.
 * Customers write in a shared channel; agents answer from the desk's card thread; the answers go
 * back into the customer's thread in their channel. An agent who answers straight in the shared
 * channel is recorded as the ticket's agent reply, already delivered.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_KB_DIR } from '../../../src/kb/setup.js';
import { slackSignature } from '../../../src/desks/slack/verify.js';
import { eventually, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { startFakeSlack, type FakeSlack } from '../../desks/slack/fakeSlack.js';

const SECRET = 'test-slack-signing-secret';
const TOKEN = 'xoxb-test';
const AGENTS = 'CAGENTS';
const ACME = 'CACME';
const GLOBEX = 'CGLOBEX';
const INITECH = 'CINITECH';
/** A customer channel where nobody has opened a ticket. */
const UMBRELLA = 'CUMBRELLA';

let t: TestGateway;
let slack: FakeSlack;
let clock = 1_800_000_000;

beforeAll(async () => {
  slack = await startFakeSlack();
  t = await startTestGateway({
    KB_DIR: SAMPLE_KB_DIR,
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_AGENT_CHANNEL: AGENTS,
    SLACK_CUSTOMER_CHANNELS: `${ACME}, ${GLOBEX}, ${INITECH}, ${UMBRELLA}`,
    SLACK_API_URL: slack.url,
  });
  await t.gateway.db.agent.create({ data: { handle: 'alice', name: 'Alice', email: 'alice@example.com', slackUserId: 'UALICE' } });
  slack.names.set('UJOHN', 'John Smith');
  slack.emails.set('UJOHN', 'john@acme.example');
  await eventually(() => (t.gateway.adapters.statuses().slack?.state === 'connected' ? true : undefined), 5000, 'the Slack channel to connect');
});

afterAll(async () => {
  await t?.stop();
  await slack?.close();
});

/** A fresh Slack ts, later than the previous one. */
const nextTs = () => `${++clock}.000100`;

function signed(body: string, contentType: string): Promise<Response> {
  const timestamp = Math.floor(Date.now() / 1000);
  return fetch(`${t.baseUrl}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': contentType, 'x-slack-request-timestamp': String(timestamp), 'x-slack-signature': slackSignature(SECRET, timestamp, body) },
    body,
  });
}

function event(e: Record<string, unknown>, eventId = `Ev${randomUUID()}`): Promise<Response> {
  return signed(JSON.stringify({ type: 'event_callback', team_id: 'T1', event_id: eventId, event: e }), 'application/json');
}

function say(channel: string, user: string, text: string, extra: Record<string, unknown> = {}) {
  const ts = nextTs();
  return { ts, res: event({ type: 'message', channel, channel_type: 'channel', user, text, ts, ...extra }) };
}

const ticketOf = (channel: string) =>
  t.gateway.db.ticket.findFirst({ where: { conversation: { channel: 'slack', externalChatId: channel } }, orderBy: { number: 'desc' }, include: { contact: true } });
const messagesOf = (number: number) => t.gateway.db.message.findMany({ where: { ticket: { number } }, orderBy: { seq: 'asc' }, include: { edits: true } });

/** The card of a ticket in the agents' channel, once its thread is stored. */
async function cardOf(number: number): Promise<string> {
  const card = await eventually(() => slack.of('chat.postMessage').find((c) => c.args.channel === AGENTS && !c.args.thread_ts && String(c.args.text).startsWith(`#${number} `)), 10_000, `the card of #${number}`);
  await eventually(() => t.gateway.db.deskThread.findFirst({ where: { ticket: { number }, threadId: card.ts! } }).then((r) => r ?? undefined), 5000, 'the desk thread');
  return card.ts!;
}

describe('Slack customer channels', () => {
  it("opens a ticket from a customer's message, and an agent's answer from the desk goes into the customer's thread", async () => {
    const first = say(ACME, 'UJOHN', 'Our integration is down, I want to talk to a human');
    expect((await first.res).status).toBe(200);
    // Stored before the ack: the ticket is there as soon as Slack has its answer.
    const ticket = await ticketOf(ACME);
    expect(ticket).not.toBeNull();
    expect(ticket!.channel).toBe('slack');
    expect(ticket!.contact.name).toBe('John Smith');
    expect(ticket!.contact.email).toBe('john@acme.example');

    const cardTs = await cardOf(ticket!.number);
    const reply = { type: 'message', channel: AGENTS, user: 'UALICE', text: 'Looking into it, John', ts: nextTs(), thread_ts: cardTs };
    expect((await event(reply)).status).toBe(200);
    const posted = await eventually(() => slack.of('chat.postMessage').find((c) => c.args.channel === ACME && c.args.text === 'Looking into it, John'), 10_000, 'the answer in the customer channel');
    expect(posted.args.thread_ts).toBe(first.ts);
    expect(posted.token).toBe(TOKEN);
    const sent = await eventually(async () => (await messagesOf(ticket!.number)).find((m) => m.authorKind === 'agent' && m.deliveryState === 'sent'), 5000, 'the delivered reply');
    expect(sent.platformMessageId).toBe(`${ACME}:${first.ts}/${posted.ts}`);

    // The customer answers in the thread: the same ticket, mirrored into the card's thread.
    const followUp = say(ACME, 'UJOHN', 'Thanks! The error is 502 <https://acme.example/status|status page>', { thread_ts: first.ts });
    expect((await followUp.res).status).toBe(200);
    const messages = await messagesOf(ticket!.number);
    const last = messages.at(-1)!;
    expect(last.text).toBe('Thanks! The error is 502 status page (https://acme.example/status)');
    expect(last.platformMessageId).toBe(`${ACME}:${first.ts}/${followUp.ts}`);
    expect(await t.gateway.db.ticket.count({ where: { conversation: { channel: 'slack', externalChatId: ACME } } })).toBe(1);
    await eventually(() => slack.of('chat.postMessage').some((c) => c.args.channel === AGENTS && c.args.thread_ts === cardTs && String(c.args.text).includes('The error is 502')), 5000, 'the follow-up in the card thread');

    // A second answer goes into the same thread.
    expect((await event({ ...reply, text: 'Fixed, please check', ts: nextTs() })).status).toBe(200);
    const second = await eventually(() => slack.of('chat.postMessage').find((c) => c.args.channel === ACME && c.args.text === 'Fixed, please check'), 10_000, 'the second answer');
    expect(second.args.thread_ts).toBe(first.ts);
  });

  it('takes files, edits and repeats once, and ignores bots (ours included) and joins', async () => {
    const ticket = (await ticketOf(ACME))!;
    const before = (await messagesOf(ticket.number)).length;
    const log = Buffer.from('2026-12-05 ERROR upstream timed out');
    const url = slack.serveFile('error.log', log, TOKEN);
    const withFile = say(ACME, 'UJOHN', 'here is the log', {
      subtype: 'file_share',
      files: [{ id: 'F1', name: 'error.log', mimetype: 'text/plain', size: log.length, url_private_download: url }],
    });
    expect((await withFile.res).status).toBe(200);
    const stored = (await messagesOf(ticket.number)).find((m) => m.text === 'here is the log')!;
    const [attachment] = stored.attachments as Array<{ url?: string; name?: string; kind: string }>;
    expect(attachment?.name).toBe('error.log');
    const file = await fetch(`${t.baseUrl}${attachment!.url}`, { headers: { authorization: `Bearer ${t.gateway.adminToken}` } });
    expect(Buffer.from(await file.arrayBuffer()).equals(log)).toBe(true);

    // Slack sends the same message again (a retry, or a second subscription): one message.
    const again = { type: 'message', channel: ACME, user: 'UJOHN', text: 'is anyone there?', ts: nextTs() };
    expect((await event(again)).status).toBe(200);
    expect((await event(again)).status).toBe(200);

    // The customer edits it.
    const edited = { type: 'message', subtype: 'message_changed', channel: ACME, ts: nextTs(), message: { ...again, text: 'is anyone there? (urgent)' }, previous_message: again };
    expect((await event(edited)).status).toBe(200);

    // Not people writing: our bot (the echo of a reply we delivered), a join.
    expect((await say(ACME, 'UBOT', 'bot echo', { bot_id: 'BBOT' }).res).status).toBe(200);
    expect((await say(ACME, 'UNEW', '<@UNEW> has joined the channel', { subtype: 'channel_join' }).res).status).toBe(200);

    const after = await messagesOf(ticket.number);
    expect(after.length - before).toBe(2);
    const repeated = after.filter((m) => m.platformMessageId === `${ACME}:${again.ts}`);
    expect(repeated).toHaveLength(1);
    expect(repeated[0]!.text).toBe('is anyone there? (urgent)');
    expect(repeated[0]!.edits).toEqual([expect.objectContaining({ previousText: 'is anyone there?' })]);
  });

  it("records an agent's answer in the customer's thread as their reply, already delivered: first response, the bot steps back, nothing posted again", async () => {
    const alice = await t.gateway.db.agent.findUniqueOrThrow({ where: { handle: 'alice' } });
    // Real times, so the first response is the moment the agent wrote in Slack.
    const now = Math.floor(Date.now() / 1000);
    const question = { type: 'message', channel: INITECH, user: 'UMARY', text: 'How long does delivery take?', ts: `${now - 20}.000100` };
    expect((await event(question)).status).toBe(200);
    await eventually(() => slack.of('chat.postMessage').find((c) => c.args.channel === INITECH && c.args.thread_ts === question.ts), 10_000, "the bot's answer");
    const opened = (await ticketOf(INITECH))!;
    expect(opened.botActive).toBe(true);
    expect(opened.firstRespondedAt).toBeNull();
    const postsBefore = slack.of('chat.postMessage').filter((c) => c.args.channel === INITECH).length;

    const answer = { type: 'message', channel: INITECH, user: 'UALICE', text: 'Two days to Moscow, <@UMARY>; I will check yours', ts: `${now - 15}.000200`, thread_ts: question.ts };
    const eventId = `Ev${randomUUID()}`;
    // Slack sends it more than once: under another event id at the same moment (a second
    // subscription), and later under the same one (a retry).
    expect((await Promise.all([event(answer, eventId), event(answer)])).map((r) => r.status)).toEqual([200, 200]);
    expect((await event(answer, eventId)).status).toBe(200);

    const replies = (await messagesOf(opened.number)).filter((m) => m.authorKind === 'agent');
    expect(replies).toHaveLength(1);
    const reply = replies[0]!;
    expect(reply).toMatchObject({
      direction: 'outbound',
      text: 'Two days to Moscow, @UMARY; I will check yours',
      agentId: alice.id,
      authorName: 'Alice',
      deliveryState: 'sent',
      deliveryAttempts: 0,
      platformMessageId: `${INITECH}:${question.ts}/${answer.ts}`,
    });
    expect(reply.sentAt.getTime()).toBe((now - 15) * 1000);

    const ticket = (await ticketOf(INITECH))!;
    expect(ticket.firstRespondedAt?.getTime()).toBe((now - 15) * 1000);
    expect(ticket.lastAgentReplyAt?.getTime()).toBe((now - 15) * 1000);
    expect(ticket.firstResponseDueAt!.getTime()).toBeGreaterThan(ticket.firstRespondedAt!.getTime());
    expect(ticket.status).toBe('open');
    expect(ticket.botActive).toBe(false);
    expect(ticket.assigneeId).toBe(alice.id);
    const audit = await t.gateway.db.ticketEvent.findMany({ where: { ticketId: ticket.id, type: 'firstRespondedAt_changed' } });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actorName).toBe('Alice');

    // The customer writes again: the bot has stepped back and stays quiet.
    const followUp = say(INITECH, 'UMARY', 'How long does delivery take to Kazan?', { thread_ts: question.ts });
    expect((await followUp.res).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000));
    // Nothing was posted into the customer's channel since: not the agent's reply (they have it), not the bot.
    expect(slack.of('chat.postMessage').filter((c) => c.args.channel === INITECH)).toHaveLength(postsBefore);
    expect(slack.of('chat.postMessage').some((c) => String(c.args.text).includes('Two days to Moscow') && c.args.channel !== AGENTS)).toBe(false);
    expect((await messagesOf(opened.number)).filter((m) => m.authorKind === 'agent')).toHaveLength(1);
  });

  it("records an agent's message at the top of the channel on its open ticket and mirrors it into the card thread; with no open ticket, nothing", async () => {
    const ticket = (await ticketOf(ACME))!;
    const cardTs = await cardOf(ticket.number);
    const hello = say(ACME, 'UALICE', 'hi John, Alice from support here');
    expect((await hello.res).status).toBe(200);
    const recorded = (await messagesOf(ticket.number)).filter((m) => m.platformMessageId === `${ACME}:${hello.ts}`);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ direction: 'outbound', authorKind: 'agent', authorName: 'Alice', deliveryState: 'sent', text: 'hi John, Alice from support here' });
    // The desk's thread shows it, as it shows replies made elsewhere; the customer's channel gets nothing new.
    await eventually(
      () => slack.of('chat.postMessage').find((c) => c.args.channel === AGENTS && c.args.thread_ts === cardTs && String(c.args.text).includes('hi John, Alice from support here')),
      5000,
      'the reply in the card thread',
    );
    expect(slack.of('chat.postMessage').some((c) => c.args.channel === ACME && String(c.args.text).includes('Alice from support'))).toBe(false);

    // Agents chatting in a customer channel with no ticket open no ticket.
    expect((await say(UMBRELLA, 'UALICE', 'welcome to the shared channel!').res).status).toBe(200);
    expect(await t.gateway.db.conversation.count({ where: { channel: 'slack', externalChatId: UMBRELLA } })).toBe(0);
    expect(await t.gateway.db.message.count({ where: { platformMessageId: { startsWith: `${UMBRELLA}:` } } })).toBe(0);
  });

  it("an agent's edit, in the channel, of a message recorded as their reply edits the reply, sending nothing; the REST API refuses to edit it", async () => {
    const ticket = (await ticketOf(ACME))!;
    const cardTs = await cardOf(ticket.number);
    const written = { type: 'message', channel: ACME, user: 'UALICE', text: 'the fix ships on Monday', ts: nextTs() };
    expect((await event(written)).status).toBe(200);
    const reply = (await messagesOf(ticket.number)).find((m) => m.platformMessageId === `${ACME}:${written.ts}`)!;
    expect(reply).toMatchObject({ authorKind: 'agent', deliveryState: 'sent', deliveryAttempts: 0 });

    // Slack tells of her edit (twice: a retry): the reply reads so, once; the earlier text is kept.
    const editTs = nextTs();
    const changed = { type: 'message', subtype: 'message_changed', channel: ACME, ts: editTs, message: { ...written, text: 'the fix ships on Tuesday', edited: { user: 'UALICE', ts: editTs } }, previous_message: written };
    expect((await event(changed)).status).toBe(200);
    expect((await event(changed)).status).toBe(200);
    const edited = await t.gateway.db.message.findUniqueOrThrow({ where: { id: reply.id }, include: { edits: true } });
    expect(edited.text).toBe('the fix ships on Tuesday');
    expect(edited.edits).toEqual([expect.objectContaining({ previousText: 'the fix ships on Monday', deliveryState: null })]);
    const audit = await t.gateway.db.ticketEvent.findFirstOrThrow({ where: { ticketId: ticket.id, type: 'reply_edited' } });
    expect(audit.actorName).toBe('Alice');
    // The desk's thread shows the edit; nothing goes to the customer's channel (they see the edit in Slack).
    await eventually(() => slack.of('chat.postMessage').find((c) => c.args.channel === AGENTS && c.args.thread_ts === cardTs && String(c.args.text).includes('Reply edited') && String(c.args.text).includes('Tuesday')), 5000, 'the edit in the card thread');
    expect(slack.of('chat.postMessage').some((c) => c.args.channel === ACME && String(c.args.text).includes('Tuesday'))).toBe(false);

    // Through the REST API it cannot be edited: it is her own Slack message, not ours to chat.update.
    const res = await t.api('PATCH', `/tickets/${ticket.number}/messages/${reply.id}`, { text: 'the fix ships on Wednesday', agent: 'alice' });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { message: string }).message).toContain('edit it there');
    await new Promise((r) => setTimeout(r, 500));
    expect(slack.of('chat.update').filter((c) => c.args.channel === ACME)).toHaveLength(0);
    expect((await t.gateway.db.message.findUniqueOrThrow({ where: { id: reply.id } })).text).toBe('the fix ships on Tuesday');
    // The ticket's view says so: the console shows no edit button on it.
    const view = (await (await t.api('GET', `/tickets/${ticket.number}`)).json()) as { messages: { id: string; writtenOnPlatform: boolean }[] };
    expect(view.messages.find((m) => m.id === reply.id)?.writtenOnPlatform).toBe(true);
  });

  it("shows the bot's buttons, and a press comes back as the customer's answer", async () => {
    const question = say(GLOBEX, 'UJANE', 'How long does delivery take?');
    expect((await question.res).status).toBe(200);
    const answer = await eventually(() => slack.of('chat.postMessage').find((c) => c.args.channel === GLOBEX && Array.isArray(c.args.blocks)), 10_000, "the bot's answer");
    expect(answer.args.thread_ts).toBe(question.ts);
    const actions = (answer.args.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string; text: { text: string } }> }>).find((b) => b.type === 'actions');
    const no = actions?.elements?.find((e) => e.value.startsWith('kb:no:'));
    expect(no).toBeDefined();

    const press = {
      type: 'block_actions',
      user: { id: 'UJANE' },
      channel: { id: GLOBEX },
      container: { message_ts: answer.ts, thread_ts: question.ts },
      message: { ts: answer.ts, thread_ts: question.ts },
      actions: [{ action_id: no!.action_id, value: no!.value, text: no!.text, action_ts: `${clock}.500000`, type: 'button' }],
    };
    expect((await signed(new URLSearchParams({ payload: JSON.stringify(press) }).toString(), 'application/x-www-form-urlencoded')).status).toBe(200);
    // "No" hands the ticket to people: its card appears in the agents' channel.
    const ticket = await eventually(async () => ((await ticketOf(GLOBEX))?.botActive === false ? ticketOf(GLOBEX) : undefined), 10_000, 'the handoff');
    await cardOf(ticket!.number);
    const pressed = (await messagesOf(ticket!.number)).find((m) => m.authorKind === 'customer' && m.text === no!.text.text);
    expect(pressed).toBeDefined();
  });
});
