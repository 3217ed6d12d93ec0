/**
 * What the Telegram desk writes in the agents' group: topic names, the ticket card, mirrored
 * conversation lines, and answers to agents. Everything is plain text (no parse mode), so nothing
 * a customer typed can break the markup or pass itself off as formatting.
 */
import type { MessageEntity } from 'grammy/types';
import type { Attachment } from '../../core/model.js';
import { addresseeName, type NoticeIcon, type NoticePart } from '../notices.js';

/** Telegram's limits: a forum topic's name, a message's text. */
export const TOPIC_NAME_LIMIT = 128;
export const TEXT_LIMIT = 4096;

/** The ticket as the topic name and the card show it. */
export interface TicketView {
  number: number;
  status: string;
  priority: string;
  line: number;
  channel: string;
  customerName: string | null;
  /** The category's Russian title (from the desk configuration), or its path when it has none. */
  categoryTitle: string | null;
  assignee: { handle: string; name: string } | null;
  team: string | null;
  firstResponseDueAt: Date | null;
  pendingUntil: Date | null;
}

/** How the status shows in a topic's name: nothing while agents work on it. */
const STATUS_MARK: Record<string, string> = { pending: '⏸ ', resolved: '✅ ', closed: '✅ ' };

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `#1042 · Иван · Доставка`, with ⏸ / ✅ in front while pending or resolved and 🔥 when urgent. */
export function topicName(t: TicketView): string {
  const mark = STATUS_MARK[t.status] ?? (t.priority === 'urgent' ? '🔥 ' : '');
  const head = `${mark}#${t.number}`;
  const category = t.categoryTitle ? ` · ${clip(t.categoryTitle, 40)}` : '';
  const room = TOPIC_NAME_LIMIT - head.length - category.length - 3;
  return `${head} · ${clip(t.customerName?.trim() || 'Клиент', Math.max(room, 8))}${category}`.slice(0, TOPIC_NAME_LIMIT);
}

/** A time as agents in the desk's zone read it: `23.11.2026, 15:00`. */
export function formatTime(d: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('ru-RU', { timeZone, dateStyle: 'short', timeStyle: 'short' }).format(d);
}

/** The ticket card: the first message of a ticket's topic (or, in a plain group, the message agents reply to). */
export function cardText(t: TicketView, o: { forum: boolean; timeZone: string }): string {
  const status = t.status === 'pending' && t.pendingUntil ? `pending until ${formatTime(t.pendingUntil, o.timeZone)}` : t.status;
  const lines = [
    `🎫 Ticket #${t.number} · ${t.customerName?.trim() || 'Customer'}`,
    `Channel: ${t.channel}${t.categoryTitle ? ` · Category: ${t.categoryTitle}` : ''}${t.team ? ` · Team: ${t.team}` : ''}`,
    `Priority: ${t.priority} · Line ${t.line} · Status: ${status}`,
    `Assignee: ${t.assignee ? `${t.assignee.name} (@${t.assignee.handle})` : '—'}`,
  ];
  if (t.firstResponseDueAt) lines.push(`First response due: ${formatTime(t.firstResponseDueAt, o.timeZone)}`);
  lines.push(
    '',
    o.forum ? 'Write in this topic to answer the customer.' : 'Reply to this ticket’s messages to answer the customer.',
    '/note <text> internal note · /take · /resolve · /snooze 2h|tomorrow · /priority low|normal|high|urgent · /assign @handle',
  );
  return lines.join('\n');
}

/** One conversation message as mirrored into the topic. */
export interface MirroredMessage {
  authorKind: string;
  authorName: string | null;
  text: string;
  attachments: Attachment[];
}

/** The line a message becomes in the topic (several lines coalesce into one post under a burst). */
export function mirrorLine(m: MirroredMessage, customerName: string | null): string {
  const who =
    m.authorKind === 'customer'
      ? `👤 ${m.authorName ?? customerName ?? 'Customer'}`
      : m.authorKind === 'bot'
        ? '🤖 Bot'
        : m.authorKind === 'note'
          ? `📝 ${m.authorName ?? 'Agent'} (note)`
          : m.authorKind === 'system'
            ? 'ℹ️ System'
            : `💬 ${m.authorName ?? 'Support'}`;
  const files = m.attachments.map((a) => `📎 ${a.kind}${a.name ? `: ${a.name}` : ''}`);
  return [`${who}: ${m.text}`.trimEnd(), ...files].join('\n');
}

/** How much of each text an edit note shows: both fit in one post (TEXT_LIMIT), with room to coalesce. */
const EDIT_TEXT_LIMIT = 1800;

/** An edit of a message: what it says now and what it said before. */
export interface EditedMessage {
  authorName: string | null;
  text: string;
  previousText: string;
  /** Whose message: a customer's (the default), or an agent's reply or note (src/core/agentEdits.ts). */
  authorKind?: string;
}

/**
 * A customer's edit as a note in the topic: the new text, and the old one quoted (`> ` before
 * each line), so an agent who answered the old wording sees what changed. In both languages, as
 * the desk's other words to every agent are: the group has no language of its own.
 */
export function editLine(e: EditedMessage, customerName: string | null): string {
  const agent = e.authorKind === 'agent' || e.authorKind === 'note';
  const who = agent ? (e.authorName ?? 'Support') : (e.authorName ?? customerName ?? 'Customer');
  const shown = (text: string) => (text.trim() ? clip(text, EDIT_TEXT_LIMIT) : '(без текста / no text)');
  const head = !agent
    ? `✏️ Клиент изменил сообщение / Customer edited a message · 👤 ${who}`
    : e.authorKind === 'note'
      ? `✏️ Заметка изменена / Note edited · 📝 ${who}`
      : `✏️ Ответ изменён / Reply edited · 💬 ${who}`;
  return [
    head,
    `Теперь / Now: ${shown(e.text)}`,
    'Было / Before:',
    ...shown(e.previousText).split('\n').map((line) => `> ${line}`),
  ].join('\n');
}

/** What a stranger in the agents' group is told (they may read either language). */
export const REFUSAL =
  'You are not an agent of this help desk, so you cannot act on tickets here: ask an admin to add your Telegram user id to your agent profile.\n' +
  'Вы не агент этой службы поддержки и не можете работать с обращениями: попросите администратора добавить ваш Telegram user id в профиль агента.';

export const HELP = [
  'In a ticket’s topic (in a plain group: in a reply to the ticket’s messages): write to answer the customer; /note <text> adds an internal note; /take, /resolve, /snooze 2h|tomorrow, /priority low|normal|high|urgent, /assign @handle.',
  'Anywhere: /next takes the next ticket of your queue, /mine lists your open tickets.',
].join('\n');

/** A link to a forum topic of a supergroup (`-100…` ids), or undefined for other chats. */
export function topicLink(chatId: string, threadId: string): string | undefined {
  const internal = /^-100(\d+)$/.exec(chatId)?.[1];
  return internal && /^\d+$/.test(threadId) ? `https://t.me/c/${internal}/${threadId}` : undefined;
}

const NOTICE_ICONS: Record<NoticeIcon, string> = { warning: '⏳', breach: '🚨', alarm: '⏰', 'low-rating': '⚠️', automation: '🤖' };

/**
 * A desk notice (src/desks/notices.ts) as Telegram text: agents with a Telegram id are
 * mentioned with a `text_mention` entity (they get a notification, and no markup is parsed), and
 * moments are shown in the desk's time zone.
 */
export function noticeText(icon: NoticeIcon, parts: NoticePart[], timeZone: string): { text: string; entities: MessageEntity[] } {
  let text = `${NOTICE_ICONS[icon]} `;
  const entities: MessageEntity[] = [];
  for (const part of parts) {
    if (typeof part === 'string') text += part;
    else if ('at' in part) text += formatTime(part.at, timeZone);
    else {
      const name = addresseeName(part.who);
      const id = 'agent' in part.who ? Number(part.who.agent.telegramUserId) : NaN;
      // Offsets and lengths are in UTF-16 code units, as JavaScript strings count.
      if (Number.isSafeInteger(id) && id > 0) entities.push({ type: 'text_mention', offset: text.length, length: name.length, user: { id, is_bot: false, first_name: name } });
      text += name;
    }
  }
  return { text: clip(text, TEXT_LIMIT), entities: entities.filter((e) => e.offset + e.length <= TEXT_LIMIT) };
}
