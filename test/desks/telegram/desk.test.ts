/**
 * The Telegram desk end to end, on the customer bot's own token (the default): a whole gateway
 * (real PostgreSQL and Redis) built from TELEGRAM_BOT_TOKEN, TELEGRAM_API_ROOT and
 * TELEGRAM_AGENT_CHAT_ID as production builds it, and the Telegram emulator playing both the
 * customers (private chats with the bot) and the agents' forum supergroup, where the desk gets
 * its updates through the customer adapter's long polling. The group's flood limit is enforced
 * by the emulator: a post over it would get 429.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelegramDesk } from '../../../src/desks/telegram/index.js';
import { eventually, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { BOT_TOKEN, startTelegramEmulator, type BotMessage, type ForumTopic, type TelegramEmulator, type TelegramUser } from '../../adapters/telegram/emulator.js';

const AGENTS = -1001000000001;
const VIP = -1001000000002;
/** The supervisors' plain group (`supervisor.telegramChatId` in the test desk configuration). */
const SUPERVISORS = -1001000000003;
/** 120 posts a minute: one every 500 ms per group, shared by the whole test. */
const POSTS_PER_MINUTE = 120;

let tg: TelegramEmulator;
let t: TestGateway;
let alice: TelegramUser;
let bob: TelegramUser;
let stranger: TelegramUser;
let nextCustomer = 930_000;

beforeAll(async () => {
  tg = await startTelegramEmulator();
  tg.chat(AGENTS, { forum: true, title: 'Support agents' });
  tg.chat(VIP, { forum: true, title: 'VIP agents' });
  tg.chat(SUPERVISORS, { forum: false, title: 'Supervisors' });
  // Telegram's flood limit, tighter than ours would ever reach: 3 posts in any second per group.
  tg.limitChat(AGENTS, 3, 1000);
  tg.limitChat(VIP, 3, 1000);
  t = await startTestGateway(
    {
      BOT_ENABLED: 'false',
      DESK_CONFIG: 'test/desks/telegram/desk.yaml',
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_API_ROOT: tg.apiRoot,
      TELEGRAM_AGENT_CHAT_ID: String(AGENTS),
      TELEGRAM_DESK_POSTS_PER_MINUTE: String(POSTS_PER_MINUTE),
    },
    { desks: (deps) => [createTelegramDesk(deps, { staleClaimMs: 3000 })] },
  );
  alice = tg.user({ chatId: AGENTS, userId: 5001, firstName: 'Alice', forum: true });
  bob = tg.user({ chatId: AGENTS, userId: 5002, firstName: 'Bob', forum: true });
  stranger = tg.user({ chatId: AGENTS, userId: 6666, firstName: 'Mallory', forum: true });
  await eventually(() => (t.gateway.desks[0]?.status().state === 'connected' ? true : undefined), 15_000, 'the Telegram desk to connect');
  await eventually(async () => ((await channelState()) === 'connected' ? true : undefined), 15_000, 'the Telegram channel to connect');
});

afterAll(async () => {
  await t?.stop();
  await tg?.close();
});

async function channelState(): Promise<string | undefined> {
  const res = await t.api('GET', '/channels');
  return ((await res.json()) as Record<string, { state: string }>).telegram?.state;
}

function customer(firstName: string): TelegramUser {
  const chatId = ++nextCustomer;
  return tg.user({ chatId, userId: chatId, firstName });
}

/** The ticket of a customer's chat, once it exists. */
async function ticketOf(c: TelegramUser): Promise<{ id: string; number: number }> {
  return eventually(
    () => t.gateway.db.ticket.findFirst({ where: { conversation: { channel: 'telegram', externalChatId: String(c.chatId) } }, orderBy: { number: 'desc' }, select: { id: true, number: true } }).then((r) => r ?? undefined),
    10_000,
    `a ticket for chat ${c.chatId}`,
  );
}

const ticket = (number: number) => t.gateway.db.ticket.findUniqueOrThrow({ where: { number }, include: { assignee: true } });

/** The ticket's topic in a group, once the desk created it. */
function topicOf(number: number, chat = AGENTS, timeoutMs = 15_000): Promise<ForumTopic> {
  return eventually(() => tg.topics(chat).find((x) => new RegExp(`#${number} ·`).test(x.name) && !x.deleted), timeoutMs, `the topic of #${number}`);
}

/** The desk's posts in a topic. */
const posts = (topic: ForumTopic, chat: number = AGENTS): BotMessage[] => tg.bot(chat).filter((m) => m.threadId === topic.threadId);

function waitForPost(topic: ForumTopic, match: RegExp, chat: number = AGENTS, timeoutMs = 15_000): Promise<BotMessage> {
  return eventually(() => posts(topic, chat).find((m) => match.test(m.text)), timeoutMs, `a post matching ${String(match)} in topic ${topic.threadId}`);
}

const inTopic = (topic: ForumTopic) => ({ message_thread_id: topic.threadId, is_topic_message: true });

/** A customer writes; resolves with their ticket and its topic (with the card and the message in it). */
async function newTicket(name: string, text: string): Promise<{ c: TelegramUser; number: number; id: string; topic: ForumTopic }> {
  const c = customer(name);
  await c.say(text);
  const { id, number } = await ticketOf(c);
  const topic = await topicOf(number);
  await waitForPost(topic, new RegExp(escape(text)));
  return { c, id, number, topic };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Calls Telegram answered with 429 for the agents' groups: the desk must never meet the flood limit. */
const floods = () => tg.calls.filter((c) => c.status === 429 && [String(AGENTS), String(VIP)].includes(String(c.body.chat_id)));

describe('Telegram desk (forum group, the customer bot)', () => {
  it('opens a topic named #N · customer, with the card and the customer message, and renames it when the category is set', async () => {
    const { number, topic } = await newTicket('Иван', 'Где мой заказ?');
    expect(topic.name).toBe(`#${number} · Иван`);
    const card = posts(topic)[0]!;
    expect(card.text).toContain(`Ticket #${number} · Иван`);
    expect(card.text).toContain('Channel: telegram');
    expect(card.text).toContain('/note');
    expect(posts(topic).some((m) => m.text === '👤 Иван: Где мой заказ?')).toBe(true);

    // The category's Russian title joins the name; the card follows the ticket in place.
    expect((await t.api('PATCH', `/tickets/${number}`, { category: 'delivery', priority: 'high' })).status).toBe(200);
    await eventually(() => (topic.name === `#${number} · Иван · Доставка` ? true : undefined), 10_000, 'the topic renamed');
    await eventually(() => (posts(topic)[0]?.text.includes('Priority: high') ? true : undefined), 10_000, 'the card edited');
    expect(tg.topics(AGENTS).filter((x) => x.name.includes(`#${number} `))).toHaveLength(1);
  });

  it('sends an agent’s topic message to the customer as that agent, without echoing it into the topic', async () => {
    const { c, number, topic } = await newTicket('Пётр', 'Посылка не пришла');
    await alice.say('Здравствуйте! Проверяю вашу посылку.', inTopic(topic));
    await c.waitForText('Здравствуйте! Проверяю вашу посылку.');
    const row = await eventually(() => ticket(number).then((r) => (r.firstRespondedAt && r.assignee ? r : undefined)), 5000, 'first response and assignment');
    expect(row.assignee?.handle).toBe('alice');
    expect(row.status).toBe('open');
    const reply = (await t.gateway.db.message.findMany({ where: { ticketId: row.id, authorKind: 'agent' } }))[0]!;
    expect(reply.authorName).toBe('Alice');
    // A later customer message is mirrored; the agent's own reply never is.
    await c.say('Спасибо, жду');
    await waitForPost(topic, /👤 Пётр: Спасибо, жду/);
    await t.gateway.events.idle();
    expect(posts(topic).some((m) => m.text.includes('Проверяю вашу посылку'))).toBe(false);
  });

  it('keeps /note internal, and mirrors replies made elsewhere', async () => {
    const { c, number, id, topic } = await newTicket('Анна', 'Хочу вернуть товар');
    await alice.command('/note клиент постоянный, вернуть без вопросов', inTopic(topic));
    const note = await eventually(() => t.gateway.db.message.findFirst({ where: { ticketId: id, authorKind: 'note' } }).then((r) => r ?? undefined), 5000, 'the note');
    expect(note.text).toBe('клиент постоянный, вернуть без вопросов');
    expect(note.deliveryState).toBeNull();
    // A reply through the REST API reaches the customer and shows in the topic.
    expect((await t.api('POST', `/tickets/${number}/messages`, { text: 'Оформили возврат', agent: 'bob' })).status).toBe(201);
    await c.waitForText('Оформили возврат');
    await waitForPost(topic, /💬 Bob: Оформили возврат/);
    expect(c.botMessages().some((m) => m.text.includes('клиент постоянный'))).toBe(false);
    expect(posts(topic).some((m) => m.text.includes('клиент постоянный'))).toBe(false);
  });

  it('changes the ticket with /take, /priority, /snooze, /assign and /resolve', async () => {
    const { number, topic } = await newTicket('Ольга', 'Не могу оплатить');
    await bob.command('/take', inTopic(topic));
    await eventually(() => ticket(number).then((r) => (r.assignee?.handle === 'bob' ? r : undefined)), 5000, '/take');

    await bob.command('/priority urgent', inTopic(topic));
    await eventually(() => ticket(number).then((r) => (r.priority === 'urgent' ? r : undefined)), 5000, '/priority');
    await eventually(() => (topic.name.startsWith('🔥 ') ? true : undefined), 10_000, 'the urgent mark in the name');

    const before = Date.now();
    await bob.command('/snooze 2h ждём номер заказа', inTopic(topic));
    const snoozed = await eventually(() => ticket(number).then((r) => (r.status === 'pending' ? r : undefined)), 5000, '/snooze');
    const until = snoozed.pendingUntil!.getTime();
    expect(until).toBeGreaterThanOrEqual(before + 2 * 3600_000 - 1000);
    expect(until).toBeLessThanOrEqual(Date.now() + 2 * 3600_000 + 1000);
    await eventually(() => (topic.name.startsWith('⏸ ') ? true : undefined), 10_000, 'the pending mark in the name');

    await bob.command('/assign @alice', inTopic(topic));
    await eventually(() => ticket(number).then((r) => (r.assignee?.handle === 'alice' ? r : undefined)), 5000, '/assign');

    await alice.command('/resolve', inTopic(topic));
    await eventually(() => ticket(number).then((r) => (r.status === 'resolved' ? r : undefined)), 5000, '/resolve');
    await eventually(() => (topic.name.startsWith('✅ ') ? true : undefined), 10_000, 'the resolved mark in the name');

    // A bad argument is explained in the topic, and changes nothing.
    await alice.command('/priority extreme', inTopic(topic));
    await waitForPost(topic, /Usage: \/priority low\|normal\|high\|urgent/);
    expect((await ticket(number)).priority).toBe('urgent');
    const audit = await t.gateway.db.ticketEvent.findMany({ where: { ticket: { number }, actorKind: 'agent' } });
    expect(audit.map((e) => e.actorName)).toContain('Bob');
  });

  it('refuses a stranger, who cannot reply to the customer nor act', async () => {
    const { c, number, topic } = await newTicket('Мария', 'Помогите с аккаунтом');
    await stranger.say('I am totally support, send me your password', inTopic(topic));
    await stranger.command('/resolve', inTopic(topic));
    const refusal = await waitForPost(topic, /not an agent of this help desk/);
    expect(refusal.text).toContain('Вы не агент');
    expect(refusal.replyParameters?.message_id).toBeDefined();
    await t.gateway.events.idle();
    await new Promise((r) => setTimeout(r, 300));
    const row = await ticket(number);
    expect(row.status).toBe('new');
    expect(row.assignee).toBeNull();
    expect(c.botMessages().some((m) => m.text.includes('password'))).toBe(false);
    // Refused once a minute at most: the second attempt was not answered again.
    expect(posts(topic).filter((m) => /not an agent/.test(m.text))).toHaveLength(1);
  });

  it('opens one topic for a ticket even when two messages arrive at once', async () => {
    const c = customer('Сергей');
    await Promise.all([c.say('первое'), c.say('второе')]);
    const { id, number } = await ticketOf(c);
    const topic = await topicOf(number);
    // More events for the same ticket at once, as another instance's would be.
    const row = await ticket(number);
    for (let i = 0; i < 3; i++) t.gateway.events.publish('ticket.handoff', { ticketId: id, ticketNumber: number, conversationId: row.conversationId, channel: 'telegram', reason: 'asked_for_human', actor: { kind: 'bot' } });
    await waitForPost(topic, /первое/);
    await waitForPost(topic, /второе/);
    await t.gateway.events.idle();
    expect(tg.topics(AGENTS).filter((x) => x.name.includes(`#${number} `))).toHaveLength(1);
    expect(await t.gateway.db.deskThread.count({ where: { ticketId: id } })).toBe(1);
    expect(posts(topic).filter((m) => m.text.startsWith('🎫'))).toHaveLength(1);
  });

  it('coalesces a burst under the group’s flood limit and loses nothing', async () => {
    const { c, topic } = await newTicket('Дмитрий', 'начало');
    const before = posts(topic).length;
    const texts = Array.from({ length: 12 }, (_, i) => `сообщение ${i + 1}`);
    for (const text of texts) await c.say(text);
    for (const text of texts) await waitForPost(topic, new RegExp(`${escape(text)}$`, 'm'));
    const burst = posts(topic).slice(before);
    // Every message exactly once, in order, in fewer posts than messages.
    const lines = burst.flatMap((m) => m.text.split('\n')).filter((l) => l.startsWith('👤 Дмитрий: сообщение'));
    expect(lines).toEqual(texts.map((x) => `👤 Дмитрий: ${x}`));
    expect(burst.length).toBeLessThan(texts.length);
    expect(floods()).toEqual([]);
  });

  it('posts what Telegram refused once it is back (the sweep), without a new event', async () => {
    const { c, topic } = await newTicket('Елена', 'привет');
    tg.failNext('sendMessage', Array.from({ length: 4 }, () => ({ status: 502, description: 'Bad Gateway', chatId: AGENTS })));
    await c.say('вопрос, который не должен потеряться');
    await waitForPost(topic, /вопрос, который не должен потеряться/, AGENTS, 20_000);
    expect(tg.calls.some((x) => x.method === 'sendMessage' && x.status === 502)).toBe(true);
  });

  it('gives two agents pulling /next at once two different tickets', async () => {
    await newTicket('Клиент А', 'нужна помощь А');
    await newTicket('Клиент Б', 'нужна помощь Б');
    const general = (u: TelegramUser) => u.command('/next');
    const seen = tg.bot(AGENTS).length;
    await Promise.all([general(alice), general(bob)]);
    const answers = await eventually(
      () => {
        const got = tg.bot(AGENTS).slice(seen).filter((m) => /^You took ticket #\d+/.test(m.text));
        return got.length >= 2 ? got : undefined;
      },
      15_000,
      'two /next answers',
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; posted: ${JSON.stringify(tg.bot(AGENTS).slice(seen).map((m) => m.text))}`);
    });
    const numbers = answers.map((m) => Number(/#(\d+)/.exec(m.text)![1]));
    expect(new Set(numbers).size).toBe(2);
    const owners = await Promise.all(numbers.map((n) => ticket(n).then((r) => r.assignee?.handle)));
    expect(owners.sort()).toEqual(['alice', 'bob']);
    // The answer links to the ticket's topic.
    expect(answers[0]!.text).toMatch(/https:\/\/t\.me\/c\/1000000001\/\d+/);

    await alice.command('/mine');
    await eventually(() => tg.bot(AGENTS).slice(seen).find((m) => m.text.startsWith('Your open tickets:')), 10_000, 'the /mine answer');
  });

  it('moves a ticket to its team’s own group, with the whole story', async () => {
    const { number, topic } = await newTicket('Виктор', 'я VIP-клиент');
    expect((await t.api('PATCH', `/tickets/${number}`, { team: 'vip' })).status).toBe(200);
    const moved = await topicOf(number, VIP);
    await waitForPost(moved, /👤 Виктор: я VIP-клиент/, VIP);
    await waitForPost(topic, /Moved to team vip’s group/);
    const thread = await t.gateway.db.deskThread.findFirstOrThrow({ where: { ticket: { number } } });
    expect(thread.chatId).toBe(String(VIP));
    // Agents answer from the new topic.
    const vipAlice = tg.user({ chatId: VIP, userId: 5001, firstName: 'Alice', forum: true });
    await vipAlice.say('Добрый день, Виктор!', inTopic(moved));
    await eventually(() => t.gateway.db.message.findFirst({ where: { ticket: { number }, text: 'Добрый день, Виктор!' } }).then((r) => r ?? undefined), 10_000, 'the reply from the VIP group');
    expect(floods()).toEqual([]);
  });

  it('mirrors a customer’s photo as a photo, and sends an agent’s document to the customer', async () => {
    const { c, topic } = await newTicket('Вера', 'посылка пришла мятой');
    const photo = Buffer.from('a jpeg, as far as the test goes');
    const file = tg.addFile(photo);
    await c.say('', { text: undefined, caption: 'вот фото', photo: [{ ...file, width: 800, height: 600 }] });
    const mirrored = await eventually(() => posts(topic).find((m) => m.media?.method === 'sendPhoto'), 15_000, 'the photo in the topic');
    expect(mirrored.media?.data?.equals(photo)).toBe(true);
    expect(mirrored.text).toMatch(/^📎 👤 Вера: photo-/);
    await waitForPost(topic, /👤 Вера: вот фото\n📎 photo: photo-/);

    const doc = Buffer.from('%PDF-1.4 return label');
    const upload = tg.addFile(doc);
    await alice.say('', { ...inTopic(topic), text: undefined, caption: 'Этикетка для возврата', document: { ...upload, file_name: 'label.pdf', mime_type: 'application/pdf' } });
    const sent = await eventually(() => c.botMessages().find((m) => m.media?.method === 'sendDocument'), 15_000, 'the document at the customer');
    expect(sent.media?.data?.equals(doc)).toBe(true);
    await c.waitForText('Этикетка для возврата');
  });

  it('opens the topic again, with the whole story, when it was deleted in Telegram', async () => {
    const { c, number, topic } = await newTicket('Глеб', 'первый вопрос');
    const res = await fetch(`${tg.apiRoot}/bot${BOT_TOKEN}/deleteForumTopic`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chat_id: AGENTS, message_thread_id: topic.threadId }) });
    expect(res.status).toBe(200);
    await c.say('второй вопрос');
    const again = await eventually(() => tg.topics(AGENTS).find((x) => x.name.includes(`#${number} `) && !x.deleted && x.threadId !== topic.threadId), 15_000, 'a new topic');
    await waitForPost(again, /👤 Глеб: первый вопрос/);
    await waitForPost(again, /👤 Глеб: второй вопрос/);
    expect((await t.gateway.db.deskThread.findFirstOrThrow({ where: { ticket: { number } } })).threadId).toBe(String(again.threadId));
  });

  it("notes a customer's edit in the topic with the old text quoted, once; a topic opened later does not repeat it", async () => {
    const c = customer('Нина');
    const messageId = await c.say('заказ 42 опаздывает');
    const { number } = await ticketOf(c);
    const topic = await topicOf(number);
    await waitForPost(topic, /👤 Нина: заказ 42 опаздывает/);
    const edit = (text: string, editedAt: number) =>
      tg.inject({
        edited_message: {
          message_id: messageId,
          date: editedAt - 5,
          edit_date: editedAt,
          chat: { id: c.chatId, type: 'private', first_name: 'Нина' },
          from: { id: c.userId, is_bot: false, first_name: 'Нина' },
          text,
        },
      });
    const note = '✏️ Клиент изменил сообщение / Customer edited a message · 👤 Нина\nТеперь / Now: заказ 43 опаздывает\nБыло / Before:\n> заказ 42 опаздывает';
    const notes = (x: ForumTopic) => posts(x).filter((m) => m.text.includes('Customer edited a message'));

    const published: Array<Parameters<Parameters<typeof t.gateway.events.on<'message.edited'>>[1]>[0]> = [];
    const off = t.gateway.events.on('message.edited', (e) => void published.push(e));
    try {
      const now = Math.floor(Date.now() / 1000);
      edit('заказ 43 опаздывает', now);
      const posted = await waitForPost(topic, /Customer edited a message/);
      expect(posted.text).toContain(note);

      // Telegram redelivers the edit (a new update id): nothing is recorded; the same event again posts nothing.
      edit('заказ 43 опаздывает', now);
      await eventually(() => tg.delivered.filter((u) => (u.edited_message as { message_id?: number } | undefined)?.message_id === messageId).length === 2 || undefined, 10_000, 'the redelivered edit');
      await new Promise((r) => setTimeout(r, 300));
      await t.gateway.events.idle();
      expect(published).toHaveLength(1);
      t.gateway.events.publish('message.edited', published[0]!);
      await t.gateway.events.idle();
      await (t.gateway.desks[0] as unknown as { idle(): Promise<void> }).idle();
      await new Promise((r) => setTimeout(r, 500));
      expect(notes(topic)).toHaveLength(1);
      const marks = await t.gateway.db.deskMessage.count({ where: { desk: 'telegram:mirrored', messageId: { contains: ':e' }, ticket: { number } } });
      expect(marks).toBe(1);

      // The topic deleted in Telegram: the new one tells the story as it is now, without the old note.
      const res = await fetch(`${tg.apiRoot}/bot${BOT_TOKEN}/deleteForumTopic`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ chat_id: AGENTS, message_thread_id: topic.threadId }) });
      expect(res.status).toBe(200);
      await c.say('есть новости?');
      const again = await eventually(() => tg.topics(AGENTS).find((x) => x.name.includes(`#${number} `) && !x.deleted && x.threadId !== topic.threadId), 15_000, 'a new topic');
      await waitForPost(again, /👤 Нина: есть новости\?/);
      expect(posts(again).some((m) => m.text.includes('👤 Нина: заказ 43 опаздывает'))).toBe(true);
      expect(notes(again)).toEqual([]);
    } finally {
      off();
    }
  });

  it('leaves the agents’ group out of the customer pipeline', async () => {
    // Talk in the general topic is nobody's ticket.
    await alice.say('коллеги, кто на смене?');
    await bob.say('@TestNameBot hi');
    await new Promise((r) => setTimeout(r, 500));
    expect(await t.gateway.db.conversation.count({ where: { channel: 'telegram', externalChatId: String(AGENTS) } })).toBe(0);
  });
  it('tells agents what the timers, ratings and automation say: in the topic, mentioning the assignee, and the supervisors', async () => {
    const { c, id, number, topic } = await newTicket('Лиля', 'заказ опаздывает');
    await alice.command('/take', inTopic(topic));
    const taken = await eventually(() => ticket(number).then((r) => (r.assignee?.handle === 'alice' ? r : undefined)), 5000, '/take');
    const ref = { ticketId: id, ticketNumber: number, conversationId: taken.conversationId, channel: 'telegram' as const };
    const dueAt = new Date(Date.UTC(2026, 11, 7, 9, 0));

    // The SLA warning names the assignee with a text mention, so Telegram notifies her.
    t.gateway.events.publish('sla.warning', { ...ref, target: 'firstResponse', dueAt, assigneeId: taken.assigneeId, teamId: null });
    const warning = await waitForPost(topic, new RegExp(`^⏳ Alice: the first response of #${number} is due 07\\.12\\.2026, 12:00\\.$`));
    expect(warning.entities).toEqual([{ type: 'text_mention', offset: 2, length: 5, user: expect.objectContaining({ id: 5001 }) }]);

    // A breach goes to the topic and to the supervisors' group.
    t.gateway.events.publish('sla.breached', { ...ref, target: 'resolution', dueAt, fromLine: 1, toLine: 2, assigneeId: taken.assigneeId, teamId: null });
    await waitForPost(topic, new RegExp(`^🚨 #${number} missed its resolution deadline \\(07\\.12\\.2026, 12:00\\): overdue, priority normal, escalated to line 2\\.$`));
    const told = await eventually(() => tg.bot(SUPERVISORS).find((m) => m.text.includes(`SLA breach: #${number} from Лиля`)), 15_000, 'the supervisors told');
    expect(told.threadId).toBeUndefined();

    // A low rating, and automation notices: the supervisors, and the team (no group of its own: the topic).
    t.gateway.events.publish('csat.low', { ...ref, messageId: 'm', score: 2, comment: 'долго' });
    await waitForPost(topic, new RegExp(`^⚠️ Low CSAT rating for #${number}: ★★☆☆☆ 2/5 from Лиля: “долго”$`));
    t.gateway.events.publish('desk.notify', { ...ref, target: 'supervisor', message: 'VIP customer waiting', rule: 'vip-watch' });
    await eventually(() => tg.bot(SUPERVISORS).find((m) => m.text === `🤖 #${number} (rule “vip-watch”): VIP customer waiting`), 15_000, 'the automation notice to the supervisors');
    t.gateway.events.publish('desk.notify', { ...ref, target: 'assignee', message: 'call the courier', rule: 'late' });
    const toAssignee = await waitForPost(topic, new RegExp(`^🤖 Alice: #${number} \\(rule “late”\\): call the courier$`));
    expect(toAssignee.entities?.[0]).toMatchObject({ type: 'text_mention', user: { id: 5001 } });
    expect(c.botMessages().some((m) => m.text.includes('call the courier'))).toBe(false);
  });
});
