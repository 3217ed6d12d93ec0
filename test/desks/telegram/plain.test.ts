/**
 * The Telegram desk with a bot of its own (TELEGRAM_DESK_BOT_TOKEN: it long-polls itself, under
 * the lease) in a plain, non-forum group: each ticket is a card, the desk's posts reply to it,
 * and agents answer by replying to any of the ticket's messages (the reply chain maps through
 * DeskMessage). Customers write on the API channel. Last, the guarantee when an instance stops
 * mid-burst: another instance, sharing the database and Redis, mirrors what was left, once.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelegramDesk } from '../../../src/desks/telegram/index.js';
import { deleteKeysWithPrefix } from '../../../src/redis.js';
import { dropDatabase } from '../../support/db.js';
import { API_SECRET, eventually, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhookReceiver.js';
import { DESK_BOT, DESK_BOT_TOKEN, startTelegramEmulator, type BotMessage, type TelegramEmulator, type TelegramUser } from '../../adapters/telegram/emulator.js';

const GROUP = -4000000001;

let tg: TelegramEmulator;
let hook: WebhookReceiver;
let a: TestGateway;
let b: TestGateway | undefined;
let alice: TelegramUser;
let bob: TelegramUser;
/** Set once instance A was stopped by the test. */
let stopped = false;

const env = () => ({
  BOT_ENABLED: 'false',
  DESK_CONFIG: 'test/desks/telegram/desk.yaml',
  API_CHANNEL_WEBHOOK_URL: hook.url,
  TELEGRAM_API_ROOT: tg.apiRoot,
  TELEGRAM_AGENT_CHAT_ID: String(GROUP),
  TELEGRAM_DESK_BOT_TOKEN: DESK_BOT_TOKEN,
  TELEGRAM_DESK_POSTS_PER_MINUTE: '120',
  POLLER_LEASE_TTL_MS: '1500',
});

beforeAll(async () => {
  tg = await startTelegramEmulator();
  hook = await startWebhookReceiver(API_SECRET);
  tg.chat(GROUP, { type: 'group', title: 'Agents (plain)' });
  tg.limitChat(GROUP, 3, 1000);
  a = await startTestGateway(env(), { desks: (deps) => [createTelegramDesk(deps, { pollTimeoutSeconds: 1 })] });
  alice = tg.user({ chatId: GROUP, userId: 5001, firstName: 'Alice', type: 'group', title: 'Agents (plain)', botToken: DESK_BOT_TOKEN });
  bob = tg.user({ chatId: GROUP, userId: 5002, firstName: 'Bob', type: 'group', title: 'Agents (plain)', botToken: DESK_BOT_TOKEN });
  await eventually(() => (a.gateway.desks[0]?.status().detail === `group ${GROUP}, @${DESK_BOT.username}` && a.gateway.desks[0].status().state === 'connected' ? true : undefined), 20_000, 'the desk polling').catch((err: unknown) => {
    throw new Error(`${String(err)}: ${JSON.stringify(a.gateway.desks[0]?.status())}`);
  });
});

afterAll(async () => {
  await b?.gateway.stop().catch(() => undefined);
  if (!stopped) await a?.gateway.stop().catch(() => undefined);
  if (a) {
    await deleteKeysWithPrefix(a.gateway.config.REDIS_URL, a.redisPrefix).catch(() => undefined);
    await dropDatabase(a.databaseUrl);
  }
  await hook?.close();
  await tg?.close();
});

/** The desk bot's posts in the group. */
const posts = (): BotMessage[] => tg.bot(GROUP, DESK_BOT_TOKEN);

function waitForPost(match: RegExp, timeoutMs = 15_000): Promise<BotMessage> {
  return eventually(() => posts().find((m) => match.test(m.text)), timeoutMs, `a post matching ${String(match)}`);
}

/** What reached the customer of an API-channel chat. */
const toCustomer = (chatId: string) => hook.received.filter((r) => r.body.chatId === chatId).map((r) => String(r.body.text));

/** A reply in the group to one of the desk's posts, as Telegram sends it. */
function replyTo(post: BotMessage): Record<string, unknown> {
  return { reply_to_message: { message_id: post.messageId, date: Math.floor(post.at / 1000), chat: { id: GROUP, type: 'group', title: 'Agents (plain)' }, from: { id: DESK_BOT.id, is_bot: true, first_name: 'Desk' }, text: post.text } };
}

async function newTicket(gw: TestGateway, name: string, text: string): Promise<{ chatId: string; number: number; card: BotMessage; post: BotMessage }> {
  const chatId = `c-${randomUUID()}`;
  const res = await gw.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name }, text });
  expect(res.status).toBe(202);
  const { ticketNumber: number } = (await res.json()) as { ticketNumber: number };
  const card = await waitForPost(new RegExp(`^🎫 Ticket #${number} · ${name}`));
  const post = await waitForPost(new RegExp(`👤 ${name}: ${text}`));
  await mapped(gw, card);
  await mapped(gw, post);
  return { chatId, number, card, post };
}

/**
 * Waits until the desk has recorded which ticket a post of its belongs to. It does so right
 * after Telegram answers the post: a reply sent in that instant (a test's, never a person's)
 * would find no ticket yet.
 */
function mapped(gw: TestGateway, post: BotMessage): Promise<unknown> {
  const where = { desk_chatId_messageId: { desk: 'telegram', chatId: String(GROUP), messageId: String(post.messageId) } };
  return eventually(() => gw.gateway.db.deskMessage.findUnique({ where }).then((r) => r ?? undefined), 10_000, `the desk's record of post ${post.messageId}`);
}

const ticket = (number: number) => a.gateway.db.ticket.findUniqueOrThrow({ where: { number }, include: { assignee: true } });

describe('Telegram desk (plain group, a bot of its own)', () => {
  it('posts a card per ticket and the customer message in reply to it; a reply to the desk’s message reaches the customer', async () => {
    const { chatId, number, card, post } = await newTicket(a, 'Nina', 'Where is my parcel?');
    expect(card.text).toContain('Reply to this ticket’s messages to answer the customer.');
    expect(post.replyParameters?.message_id).toBe(card.messageId);
    expect(tg.topics(GROUP)).toEqual([]);

    const aliceId = await alice.say('Hello Nina, it ships today.', replyTo(post));
    await eventually(() => (toCustomer(chatId).includes('Hello Nina, it ships today.') ? true : undefined), 10_000, 'the reply at the customer');
    const row = await ticket(number);
    expect(row.assignee?.handle).toBe('alice');
    expect(row.firstRespondedAt).not.toBeNull();

    // A reply to the card works too, and so does a reply to the agent's own message (the chain goes on).
    await bob.command('/priority high', replyTo(card));
    await eventually(() => ticket(number).then((r) => (r.priority === 'high' ? r : undefined)), 10_000, '/priority as a reply to the card');
    await bob.command('/note the customer asked twice', { reply_to_message: { message_id: aliceId, date: 0, chat: { id: GROUP, type: 'group' }, from: { id: 5001, is_bot: false, first_name: 'Alice' }, text: 'Hello Nina, it ships today.' } });
    await eventually(() => a.gateway.db.message.findFirst({ where: { ticket: { number }, authorKind: 'note', text: 'the customer asked twice' } }).then((r) => r ?? undefined), 10_000, 'the note via a reply to an agent message');
    expect(toCustomer(chatId)).not.toContain('the customer asked twice');

    // A later customer message goes to the same chain; chatter without a reply is nobody's ticket.
    await a.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name: 'Nina' }, text: 'Thank you!' });
    const later = await waitForPost(/👤 Nina: Thank you!/);
    expect(later.replyParameters?.message_id).toBe(card.messageId);
    const before = hook.received.length;
    await alice.say('lunch, anyone?');
    await new Promise((r) => setTimeout(r, 500));
    expect(hook.received.length).toBe(before);
  });

  it('refuses a stranger replying in the chain', async () => {
    const { chatId, number, post } = await newTicket(a, 'Oleg', 'My account is locked');
    const stranger = tg.user({ chatId: GROUP, userId: 7777, firstName: 'Eve', type: 'group', botToken: DESK_BOT_TOKEN });
    await stranger.say('give me the money', replyTo(post));
    const refusal = await waitForPost(/not an agent of this help desk/);
    expect(refusal.replyParameters?.message_id).toBeDefined();
    await new Promise((r) => setTimeout(r, 300));
    expect(toCustomer(chatId)).toEqual([]);
    expect((await ticket(number)).status).toBe('new');
  });

  it("notes a customer's edit in reply to the card, with the old text quoted; a refused post is retried and posted once", async () => {
    const messageId = randomUUID();
    const chatId = `c-${randomUUID()}`;
    await a.inbound({ chatId, messageId, from: { id: chatId, name: 'Rita' }, text: 'Size M, please' });
    const card = await waitForPost(/^🎫 Ticket #\d+ · Rita/);
    await waitForPost(/👤 Rita: Size M, please/);
    const note = '✏️ Клиент изменил сообщение / Customer edited a message · 👤 Rita\nТеперь / Now: Size L, please\nБыло / Before:\n> Size M, please';
    const notes = () => posts().filter((m) => m.text.includes(note));

    // Telegram refuses the first tries: the desk's sweep posts the note once it is back, without a new event.
    tg.failNext('sendMessage', Array.from({ length: 3 }, () => ({ status: 502, description: 'Bad Gateway', chatId: GROUP })));
    expect(await a.gateway.pipeline.edit({ channel: 'api', chatId, messageId, text: 'Size L, please' })).toBe(true);
    const posted = await eventually(() => notes()[0], 20_000, 'the edit note');
    expect(posted.replyParameters?.message_id).toBe(card.messageId);
    expect(tg.calls.some((x) => x.method === 'sendMessage' && x.status === 502)).toBe(true);

    // The same edit told again (a redelivered event): nothing more is posted.
    const row = await a.gateway.db.message.findFirstOrThrow({ where: { platformMessageId: messageId }, include: { ticket: true, edits: true } });
    a.gateway.events.publish('message.edited', {
      ticketId: row.ticket!.id, ticketNumber: row.ticket!.number, conversationId: row.conversationId, channel: 'api',
      messageId: row.id, editId: row.edits[0]!.id, text: 'Size L, please', previousText: 'Size M, please', editedAt: row.edits[0]!.editedAt,
    });
    await a.gateway.events.idle();
    await new Promise((r) => setTimeout(r, 1500));
    expect(notes()).toHaveLength(1);
  });

  it('loses nothing when an instance stops mid-burst: another one mirrors the rest, once', async () => {
    const { chatId } = await newTicket(a, 'Petr', 'first question');
    // Telegram refuses the group's posts for a while, then the instance goes away with the burst unmirrored.
    tg.failNext('sendMessage', Array.from({ length: 50 }, () => ({ status: 502, description: 'Bad Gateway', chatId: GROUP })));
    const texts = Array.from({ length: 5 }, (_, i) => `follow-up ${i + 1}`);
    for (const text of texts) await a.inbound({ chatId, messageId: randomUUID(), from: { id: chatId, name: 'Petr' }, text });
    await new Promise((r) => setTimeout(r, 600));
    await a.gateway.stop();
    stopped = true;
    expect(posts().some((m) => m.text.includes('follow-up'))).toBe(false);
    // The next instance finds Telegram well again.
    tg.clearFailures('sendMessage');

    b = await startTestGateway(env(), { databaseUrl: a.databaseUrl, redisPrefix: a.redisPrefix, desks: (deps) => [createTelegramDesk(deps, { pollTimeoutSeconds: 1 })] });
    for (const text of texts) await waitForPost(new RegExp(`👤 Petr: ${text}$`, 'm'), 20_000);
    const lines = posts().flatMap((m) => m.text.split('\n')).filter((l) => l.startsWith('👤 Petr: follow-up'));
    expect(lines).toEqual(texts.map((x) => `👤 Petr: ${x}`));
    // The new instance polls now: an agent's reply reaches the customer.
    const last = posts().filter((m) => m.text.includes('👤 Petr')).at(-1)!;
    await mapped(b, last);
    await alice.say('All answered, Petr.', replyTo(last));
    await eventually(() => (toCustomer(chatId).includes('All answered, Petr.') ? true : undefined), 15_000, 'the reply through the second instance');
  });
});
