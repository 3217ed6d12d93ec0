/** The Telegram desk's pure parts: topic names, commands, snooze durations, links, and the per-ticket runner. */
import { describe, expect, it } from 'vitest';
import { parseSnooze } from '../../../src/desks/snooze.js';
import { assignTarget, parseCommand } from '../../../src/desks/telegram/commands.js';
import { isForumThread, placeOf, topicKey } from '../../../src/desks/telegram/mirror.js';
import { KeyedRunner } from '../../../src/desks/telegram/runner.js';
import { mirrorLine, topicLink, topicName, TOPIC_NAME_LIMIT, type TicketView } from '../../../src/desks/telegram/texts.js';

const view = (over: Partial<TicketView> = {}): TicketView => ({
  number: 1042, status: 'open', priority: 'normal', line: 1, channel: 'telegram', customerName: 'Иван', categoryTitle: 'Доставка',
  assignee: null, team: null, firstResponseDueAt: null, pendingUntil: null, ...over,
});

describe('topic names', () => {
  it('reads #number · customer · category, marked by status and urgency', () => {
    expect(topicName(view())).toBe('#1042 · Иван · Доставка');
    expect(topicName(view({ categoryTitle: null }))).toBe('#1042 · Иван');
    expect(topicName(view({ customerName: null }))).toBe('#1042 · Клиент · Доставка');
    expect(topicName(view({ status: 'pending' }))).toBe('⏸ #1042 · Иван · Доставка');
    expect(topicName(view({ status: 'resolved', priority: 'urgent' }))).toBe('✅ #1042 · Иван · Доставка');
    expect(topicName(view({ priority: 'urgent' }))).toBe('🔥 #1042 · Иван · Доставка');
  });

  it('stays within Telegram’s 128 characters, keeping the number and the category', () => {
    const name = topicName(view({ customerName: 'Очень'.repeat(60), categoryTitle: 'Категория с длинным названием, но не слишком' }));
    expect(name.length).toBeLessThanOrEqual(TOPIC_NAME_LIMIT);
    expect(name.startsWith('#1042 · Очень')).toBe(true);
    expect(name).toContain('…');
  });
});

describe('commands', () => {
  const cmd = (text: string) => ({ text, entities: [{ type: 'bot_command' as const, offset: 0, length: text.split(' ')[0]!.length }] });

  it('parses the name and arguments, with or without the bot’s @username', () => {
    expect(parseCommand(cmd('/snooze 2h waiting'), 'DeskBot')).toEqual({ name: 'snooze', args: '2h waiting' });
    expect(parseCommand(cmd('/Take@DeskBot'), 'DeskBot')).toEqual({ name: 'take', args: '' });
    expect(parseCommand(cmd('/take@OtherBot'), 'DeskBot')).toBeNull();
    expect(parseCommand({ text: 'just a reply' }, 'DeskBot')).toBeNull();
    expect(parseCommand({ text: '/note без сущности' }, undefined)).toEqual({ name: 'note', args: 'без сущности' });
  });

  it('finds the /assign target: a text mention’s user, else the typed handle', () => {
    expect(assignTarget({}, '@alice')).toEqual({ handle: 'alice' });
    expect(assignTarget({}, 'bob')).toEqual({ handle: 'bob' });
    expect(assignTarget({}, 'two words')).toBeNull();
    const mention = { entities: [{ type: 'text_mention' as const, offset: 8, length: 5, user: { id: 42, is_bot: false, first_name: 'Carl' } }] };
    expect(assignTarget(mention, 'Carl')).toEqual({ telegramUserId: '42' });
  });
});

describe('/snooze durations', () => {
  const now = new Date('2026-05-01T10:00:00Z');
  it('takes durations (English or Russian units) and "tomorrow"', () => {
    expect(parseSnooze('2h', now, 'Europe/Moscow')?.toISOString()).toBe('2026-05-01T12:00:00.000Z');
    expect(parseSnooze('1h30m', now, 'Europe/Moscow')?.toISOString()).toBe('2026-05-01T11:30:00.000Z');
    expect(parseSnooze('2ч', now, 'Europe/Moscow')?.toISOString()).toBe('2026-05-01T12:00:00.000Z');
    expect(parseSnooze('1д', now, 'Europe/Moscow')?.toISOString()).toBe('2026-05-02T10:00:00.000Z');
    expect(parseSnooze('tomorrow', now, 'Europe/Moscow')?.toISOString()).toBe('2026-05-02T06:00:00.000Z');
    expect(parseSnooze('Завтра', now, 'Europe/Moscow')?.toISOString()).toBe('2026-05-02T06:00:00.000Z');
  });

  it('refuses what is not a duration, zero, or more than 30 days', () => {
    for (const bad of ['', 'soon', '0h', '31d', 'h2', '2x']) expect(parseSnooze(bad, now, 'Europe/Moscow')).toBeUndefined();
  });
});

describe('places in the group', () => {
  it('tells forum topics from plain groups’ cards', () => {
    expect(isForumThread('17')).toBe(true);
    expect(placeOf({ threadId: '17' })).toEqual({ threadId: 17 });
    expect(isForumThread('card:55')).toBe(false);
    expect(placeOf({ threadId: 'card:55' })).toEqual({ replyTo: 55 });
    expect(topicKey({ chatId: '-100', threadId: '17' })).toBe('-100/17');
  });

  it('links supergroup topics only', () => {
    expect(topicLink('-1001234567890', '17')).toBe('https://t.me/c/1234567890/17');
    expect(topicLink('-4000000001', '17')).toBeUndefined();
    expect(topicLink('-1001234567890', 'card:5')).toBeUndefined();
  });

  it('writes mirrored lines by author, with the files they carry', () => {
    const line = mirrorLine({ authorKind: 'customer', authorName: null, text: 'смотрите', attachments: [{ kind: 'photo', name: 'box.jpg' }] }, 'Иван');
    expect(line).toBe('👤 Иван: смотрите\n📎 photo: box.jpg');
    expect(mirrorLine({ authorKind: 'note', authorName: 'Alice', text: 'x', attachments: [] }, null)).toBe('📝 Alice (note): x');
    expect(mirrorLine({ authorKind: 'bot', authorName: null, text: 'y', attachments: [] }, null)).toBe('🤖 Bot: y');
  });
});

describe('the per-ticket runner', () => {
  it('runs one at a time per key and coalesces kicks during a run into one more run', async () => {
    const runs: Array<{ key: string; flags: string[] }> = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const runner = new KeyedRunner<'ensure'>(async (key, flags) => {
      runs.push({ key, flags: [...flags] });
      if (runs.length === 1) await gate;
    }, () => undefined);
    runner.kick('a');
    for (let i = 0; i < 5; i++) runner.kick('a', i === 3 ? 'ensure' : undefined);
    runner.kick('b');
    await new Promise((r) => setTimeout(r, 20));
    expect(runs.map((r) => r.key)).toEqual(['a', 'b']);
    release();
    await runner.idle();
    expect(runs).toEqual([{ key: 'a', flags: [] }, { key: 'b', flags: [] }, { key: 'a', flags: ['ensure'] }]);
  });
});
