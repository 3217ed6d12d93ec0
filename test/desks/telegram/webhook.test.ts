/**
 * The Telegram desk on the customer bot in webhook mode, with the KB bot on: the one webhook
 * takes both the customers' updates and the agents' group's (the customer adapter hands the
 * latter to the desk). A question the bot answers opens no topic; a handoff (/agent) does, with
 * the story so far; the agent's answer from the topic reaches the customer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelegramDesk } from '../../../src/desks/telegram/index.js';
import { SAMPLE_KB_DIR } from '../../../src/kb/setup.js';
import { eventually, startTestGateway, type TestGateway } from '../../support/gateway.js';
import { BOT_TOKEN, startTelegramEmulator, type TelegramEmulator } from '../../adapters/telegram/emulator.js';

const AGENTS = -1001000000009;

let tg: TelegramEmulator;
let t: TestGateway;

beforeAll(async () => {
  tg = await startTelegramEmulator();
  tg.chat(AGENTS, { forum: true, title: 'Agents' });
  t = await startTestGateway(
    {
      KB_DIR: SAMPLE_KB_DIR,
      DESK_CONFIG: 'test/desks/telegram/desk.yaml',
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_API_ROOT: tg.apiRoot,
      TELEGRAM_WEBHOOK_URL: 'https://desk.example.com/webhooks/telegram',
      TELEGRAM_AGENT_CHAT_ID: String(AGENTS),
      TELEGRAM_DESK_POSTS_PER_MINUTE: '300',
    },
    { desks: (deps) => [createTelegramDesk(deps)] },
  );
  tg.deliverWebhooksTo(t.baseUrl);
  await eventually(async () => {
    const res = await t.api('GET', '/channels');
    return ((await res.json()) as Record<string, { state: string }>).telegram?.state === 'connected' ? true : undefined;
  }, 15_000, 'the webhook to be set');
  await eventually(() => (t.gateway.desks[0]?.status().state === 'connected' ? true : undefined), 15_000, 'the desk');
});

afterAll(async () => {
  await t?.stop();
  await tg?.close();
});

describe('Telegram desk with the customer bot in webhook mode', () => {
  it('opens a topic on handoff only, and the agent’s answer from it reaches the customer', async () => {
    const olga = tg.user({ chatId: 940_001, firstName: 'Olga', languageCode: 'en' });
    await olga.say('How long does delivery take?');
    await olga.botMessage(1);
    const { id, number } = await eventually(() => t.gateway.db.ticket.findFirst({ where: { conversation: { externalChatId: '940001' } }, select: { id: true, number: true } }).then((r) => r ?? undefined), 10_000, 'the ticket');
    await t.gateway.events.idle();
    // The bot holds it: nothing for the agents yet.
    expect(await t.gateway.db.deskThread.count({ where: { ticketId: id } })).toBe(0);

    await olga.command('/agent');
    const topic = await eventually(() => tg.topics(AGENTS).find((x) => x.name.startsWith(`#${number} · Olga`)), 15_000, 'the topic after the handoff');
    // The story so far is there: the question, and the bot's answer.
    const inTopic = () => tg.bot(AGENTS).filter((m) => m.threadId === topic.threadId).map((m) => m.text).join('\n');
    await eventually(() => (/👤 Olga: How long does delivery take\?/.test(inTopic()) && /🤖 Bot: /.test(inTopic()) ? true : undefined), 10_000, 'the story in the topic');

    const alice = tg.user({ chatId: AGENTS, userId: 5001, firstName: 'Alice', forum: true });
    await alice.say('Hi Olga, Alice here: tomorrow before noon.', { message_thread_id: topic.threadId, is_topic_message: true });
    await olga.waitForText('Hi Olga, Alice here: tomorrow before noon.');
    expect(tg.calls.some((c) => c.method === 'getUpdates')).toBe(false);
    // The agents' group never became a customer conversation.
    expect(await t.gateway.db.conversation.count({ where: { externalChatId: String(AGENTS) } })).toBe(0);
  });
});
