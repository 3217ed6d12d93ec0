/**
 * Agents' edits in the Telegram desk (forum group, the customer bot's token): an agent editing
 * their reply in the ticket's topic (`edited_message`) edits the customer's Telegram message
 * (`editMessageText`), once however often the update comes; an edited /note stays internal; an
 * edit made through the REST API is noted in the topic, while one made in the topic is not echoed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelegramDesk } from '../../../src/desks/telegram/index.js';
import { eventually, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { BOT_TOKEN, startTelegramEmulator, type BotMessage, type ForumTopic, type TelegramEmulator, type TelegramUser } from '../../adapters/telegram/emulator.js';

const AGENTS = -1001000000001;

let tg: TelegramEmulator;
let t: TestGateway;
let alice: TelegramUser;
let nextCustomer = 960_000;

beforeAll(async () => {
  tg = await startTelegramEmulator();
  tg.chat(AGENTS, { forum: true, title: 'Support agents' });
  t = await startTestGateway(
    {
      BOT_ENABLED: 'false',
      DESK_CONFIG: 'test/desks/telegram/desk.yaml',
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_API_ROOT: tg.apiRoot,
      TELEGRAM_AGENT_CHAT_ID: String(AGENTS),
      TELEGRAM_DESK_POSTS_PER_MINUTE: '600',
    },
    { desks: (deps) => [createTelegramDesk(deps)] },
  );
  alice = tg.user({ chatId: AGENTS, userId: 5001, firstName: 'Alice', forum: true });
  await eventually(() => (t.gateway.desks[0]?.status().state === 'connected' ? true : undefined), 15_000, 'the Telegram desk to connect');
  await eventually(async () => ((await (await t.api('GET', '/channels')).json()) as Record<string, { state: string }>).telegram?.state === 'connected', 15_000, 'the channel');
});
afterAll(async () => {
  await t?.stop();
  await tg?.close();
});

const posts = (topic: ForumTopic): BotMessage[] => tg.bot(AGENTS).filter((m) => m.threadId === topic.threadId);
const inTopic = (topic: ForumTopic) => ({ message_thread_id: topic.threadId, is_topic_message: true });

async function newTicket(name: string, text: string): Promise<{ c: TelegramUser; number: number; topic: ForumTopic }> {
  const chatId = ++nextCustomer;
  const c = tg.user({ chatId, userId: chatId, firstName: name });
  await c.say(text);
  const number = await eventually(
    () => t.gateway.db.ticket.findFirst({ where: { conversation: { channel: 'telegram', externalChatId: String(chatId) } }, select: { number: true } }).then((r) => r?.number),
    10_000,
    'the ticket',
  );
  const topic = await eventually(() => tg.topics(AGENTS).find((x) => x.name.startsWith(`#${number} `)), 15_000, 'the topic');
  await eventually(() => posts(topic).some((m) => m.text.includes(text)), 15_000, 'the customer message in the topic');
  return { c, number, topic };
}

/** Alice edits her message in the topic, as Telegram reports it. */
function editInTopic(topic: ForumTopic, messageId: number, text: string): void {
  const now = Math.floor(Date.now() / 1000);
  tg.inject({
    edited_message: {
      message_id: messageId,
      date: now - 5,
      edit_date: now,
      chat: { id: AGENTS, type: 'supergroup', title: 'Support agents', is_forum: true },
      from: { id: 5001, is_bot: false, first_name: 'Alice' },
      message_thread_id: topic.threadId,
      is_topic_message: true,
      text,
      ...(text.startsWith('/') ? { entities: [{ type: 'bot_command', offset: 0, length: text.indexOf(' ') > 0 ? text.indexOf(' ') : text.length }] } : {}),
    },
  });
}

const editCalls = (chatId: number) => tg.calls.filter((c) => c.method === 'editMessageText' && String(c.body.chat_id) === String(chatId));

describe('Telegram desk: agents edit their replies', () => {
  it('an edit of a reply in the topic edits the customer’s message, once; it is not echoed into the topic', async () => {
    const { c, number, topic } = await newTicket('Вера', 'Сколько стоит доставка?');
    const mine = await alice.say('Доставка 300 руб.', inTopic(topic));
    const sent = await c.waitForText('Доставка 300 руб.');
    const reply = await eventually(() => t.gateway.db.message.findFirst({ where: { ticket: { number }, authorKind: 'agent' } }).then((r) => (r?.deliveryState === 'sent' ? r : undefined)), 8000, 'the reply sent');

    editInTopic(topic, mine, 'Доставка 350 руб.');
    await eventually(() => c.botMessages().some((m) => m.text === 'Доставка 350 руб.'), 10_000, 'editMessageText to the customer');
    expect(editCalls(c.chatId)[0]!.body).toMatchObject({ message_id: sent.messageId, text: 'Доставка 350 руб.' });
    expect(c.botMessages().map((m) => m.text)).toEqual(['Доставка 350 руб.']);
    expect((await t.gateway.db.message.findUniqueOrThrow({ where: { id: reply.id } })).text).toBe('Доставка 350 руб.');

    // Telegram sends the edit again (a new update): nothing more.
    editInTopic(topic, mine, 'Доставка 350 руб.');
    await new Promise((r) => setTimeout(r, 1000));
    expect(editCalls(c.chatId)).toHaveLength(1);
    expect(await t.gateway.db.messageEdit.count({ where: { messageId: reply.id } })).toBe(1);
    expect(posts(topic).some((m) => m.text.includes('Reply edited'))).toBe(false);
  });

  it('a reply whose mapping for later edits cannot be stored is sent once: the update is not handled again', async () => {
    const { c, number, topic } = await newTicket('Нина', 'Когда привезут?');
    // PostgreSQL refuses the mapping rows (as it would when failing right after the reply committed).
    await t.gateway.db.$executeRawUnsafe(`CREATE OR REPLACE FUNCTION refuse_reply_map() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$ LANGUAGE plpgsql`);
    await t.gateway.db.$executeRawUnsafe(`CREATE TRIGGER refuse_reply_map BEFORE INSERT ON "DeskMessage" FOR EACH ROW WHEN (NEW."desk" = 'telegram:reply') EXECUTE FUNCTION refuse_reply_map()`);
    try {
      await alice.say('Привезём завтра', inTopic(topic));
      await c.waitForText('Привезём завтра');
      await new Promise((r) => setTimeout(r, 1500));
      expect(await t.gateway.db.message.count({ where: { ticket: { number }, authorKind: 'agent' } })).toBe(1);
      expect(c.botMessages().filter((m) => m.text === 'Привезём завтра')).toHaveLength(1);
      // Not mirrored back into the topic either.
      expect(posts(topic).some((m) => m.text.includes('Привезём завтра'))).toBe(false);
    } finally {
      await t.gateway.db.$executeRawUnsafe('DROP TRIGGER IF EXISTS refuse_reply_map ON "DeskMessage"');
    }
  });

  it('an edited /note changes the note only; an edit through the REST API is noted in the topic', async () => {
    const { c, number, topic } = await newTicket('Глеб', 'Верните деньги');
    const noteMsg = await alice.command('/note проверить платёж', inTopic(topic));
    const note = await eventually(() => t.gateway.db.message.findFirst({ where: { ticket: { number }, authorKind: 'note' } }).then((r) => r ?? undefined), 8000, 'the note');
    editInTopic(topic, noteMsg, '/note проверить платёж и чек');
    await eventually(async () => (await t.gateway.db.message.findUniqueOrThrow({ where: { id: note.id } })).text === 'проверить платёж и чек', 8000, 'the note edited');

    const res = await t.api('POST', `/tickets/${number}/messages`, { text: 'Вернём 1000 руб.', agent: 'alice' });
    const { messageId } = (await res.json()) as { messageId: string };
    await c.waitForText('Вернём 1000 руб.');
    await eventually(async () => (await t.gateway.db.message.findUniqueOrThrow({ where: { id: messageId } })).deliveryState === 'sent', 5000, 'sent');
    expect((await t.api('PATCH', `/tickets/${number}/messages/${messageId}`, { text: 'Вернём 1200 руб.' })).status).toBe(200);
    const noted = await eventually(() => posts(topic).find((m) => m.text.includes('Reply edited')), 15_000, 'the REST edit noted in the topic');
    expect(noted.text).toContain('Теперь / Now: Вернём 1200 руб.');
    expect(noted.text).toContain('> Вернём 1000 руб.');
    await eventually(() => c.botMessages().some((m) => m.text === 'Вернём 1200 руб.'), 10_000, 'the customer’s message edited');
    expect(c.botMessages().map((m) => m.text)).toEqual(['Вернём 1200 руб.']);
    // The note's edit was made in the topic: not noted there.
    expect(posts(topic).some((m) => m.text.includes('Note edited'))).toBe(false);
  });
});
