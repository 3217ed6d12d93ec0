/** The ticket card the Slack desk posts in the agents' channel, and the text it mirrors into its thread. */
import type { Attachment } from '../../core/model.js';
import type { SnoozeChoice } from './snooze.js';
import { escapeSlack } from '../../adapters/slack/text.js';

export { escapeSlack, slackToPlain } from '../../adapters/slack/text.js';

export interface CardTicket {
  number: number;
  status: string;
  priority: string;
  /** Support line, 1–3. */
  line: number;
  category: string | null;
  channel: string;
  customerName: string | null;
  assignee: { handle: string; name: string } | null;
  firstResponseDueAt: Date | null;
  pendingUntil: Date | null;
  /** The message that opened the conversation: the customer's, or an agent's on a ticket an agent started. */
  firstMessage: string | null;
  /** The agent who wrote `firstMessage` on a ticket an agent started; null when the customer wrote it. */
  startedBy: string | null;
}

type Block = Record<string, unknown>;

export const ACTIONS = {
  take: 'desk_take',
  resolve: 'desk_resolve',
  snooze: 'desk_snooze_1h',
  snooze4h: 'desk_snooze_4h',
  snoozeTomorrow: 'desk_snooze_tomorrow',
  priority: 'desk_priority',
  escalate: 'desk_escalate',
} as const;

/** Snooze buttons: action id → choice. */
export const SNOOZE_ACTIONS: Record<string, SnoozeChoice> = { [ACTIONS.snooze]: '1h', [ACTIONS.snooze4h]: '4h', [ACTIONS.snoozeTomorrow]: 'tomorrow' };

/** Priorities, lowest first (the Priority select's options; Escalate moves one step up). */
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type PriorityName = (typeof PRIORITIES)[number];

/** The Priority select's option value: `<ticket number>:<priority>`. */
export function priorityOption(number: number, priority: string): Block {
  return { text: { type: 'plain_text', text: priority }, value: `${number}:${priority}` };
}

/** Reads a Priority select value back; undefined when it is not one. */
export function parsePriorityValue(value: string | undefined): { number: number; priority: PriorityName } | undefined {
  const m = /^(\d+):(\w+)$/.exec(value ?? '');
  const priority = m?.[2] as PriorityName | undefined;
  if (!m || !priority || !PRIORITIES.includes(priority)) return undefined;
  return { number: Number(m[1]), priority };
}

function date(d: Date): string {
  return `<!date^${Math.floor(d.getTime() / 1000)}^{date_short_pretty} {time}|${d.toISOString()}>`;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function cardText(t: CardTicket): string {
  const opener = t.startedBy ? `${t.startedBy} wrote first: ` : '';
  return `#${t.number} · ${t.customerName ?? 'Customer'} · ${t.channel}: ${opener}${clip(t.firstMessage ?? '', 200)}`;
}

export function cardBlocks(t: CardTicket): Block[] {
  const status = t.status === 'pending' && t.pendingUntil ? `pending until ${date(t.pendingUntil)}` : t.status;
  const fields = [
    `*Customer*\n${escapeSlack(t.customerName ?? '—')}`,
    `*Channel*\n${t.channel}`,
    `*Category*\n${escapeSlack(t.category ?? '—')}`,
    `*Priority*\n${t.priority}`,
    `*Line*\n${t.line}`,
    `*Status*\n${status}`,
    `*Assignee*\n${t.assignee ? escapeSlack(`${t.assignee.name} (@${t.assignee.handle})`) : 'unassigned'}`,
  ];
  if (t.firstResponseDueAt) fields.push(`*First response due*\n${date(t.firstResponseDueAt)}`);
  const blocks: Block[] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*Ticket #${t.number}*` } },
    { type: 'section', fields: fields.map((text) => ({ type: 'mrkdwn', text })) },
  ];
  if (t.firstMessage) {
    const quote = `>${escapeSlack(clip(t.firstMessage, 2500)).replace(/\n/g, '\n>')}`;
    const text = t.startedBy ? `_${escapeSlack(t.startedBy)} wrote first:_\n${quote}` : quote;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
  }
  const closed = t.status === 'resolved' || t.status === 'closed';
  const value = String(t.number);
  const button = (action_id: string, text: string, extra: Block = {}): Block => ({ type: 'button', action_id, text: { type: 'plain_text', text }, value, ...extra });
  const buttons: Block[] = [];
  if (!t.assignee) buttons.push(button(ACTIONS.take, 'Take'));
  if (!closed) {
    buttons.push(button(ACTIONS.resolve, 'Resolve', { style: 'primary' }));
    buttons.push({
      type: 'static_select',
      action_id: ACTIONS.priority,
      placeholder: { type: 'plain_text', text: 'Priority' },
      options: PRIORITIES.map((p) => priorityOption(t.number, p)),
      ...(PRIORITIES.includes(t.priority as PriorityName) ? { initial_option: priorityOption(t.number, t.priority) } : {}),
    });
    buttons.push(button(ACTIONS.escalate, 'Escalate', { style: 'danger' }));
  }
  if (buttons.length) blocks.push({ type: 'actions', block_id: `ticket_${t.number}`, elements: buttons });
  if (!closed) {
    blocks.push({
      type: 'actions',
      block_id: `snooze_${t.number}`,
      elements: [button(ACTIONS.snooze, 'Snooze 1h'), button(ACTIONS.snooze4h, 'Snooze 4h'), button(ACTIONS.snoozeTomorrow, 'Snooze till tomorrow 09:00')],
    });
  }
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: 'Reply in the thread to answer the customer; start with `note:` for an internal note.' }] });
  return blocks;
}

export interface MirroredMessage {
  authorKind: string;
  authorName: string | null;
  text: string;
  attachments: Attachment[];
}

/** One conversation message as a line in the card's thread. */
export function mirrorText(m: MirroredMessage, customerName: string | null): string {
  const who =
    m.authorKind === 'customer'
      ? `:bust_in_silhouette: *${escapeSlack(m.authorName ?? customerName ?? 'Customer')}*`
      : m.authorKind === 'bot'
        ? ':robot_face: *Bot*'
        : m.authorKind === 'note'
          ? `:memo: *Note by ${escapeSlack(m.authorName ?? 'agent')}*`
          : `:speech_balloon: *${escapeSlack(m.authorName ?? 'Support')}*`;
  const files = m.attachments.map((a) => `[${a.kind}${a.name ? `: ${escapeSlack(a.name)}` : ''}]`).join(' ');
  return [`${who}: ${escapeSlack(m.text)}`, files].filter((s) => s.trim()).join('\n');
}

/** How much of each text an edit note shows (a Slack message holds far more; a note stays readable). */
const EDIT_TEXT_LIMIT = 2500;

/** An edit of a message: who edited (a customer, an agent's reply or note), what it says now and what it said before. */
export interface EditedMessage {
  /** The edited message's author kind: `customer`, `agent` (a reply) or `note`. */
  authorKind: string;
  authorName: string | null;
  text: string;
  previousText: string;
}

/**
 * An edit as a note in the card's thread: the new text, and the old one quoted, so an agent who
 * answered the old wording sees what changed. A customer's edit, or an agent's of a reply or note
 * made elsewhere (the REST API, the customer's Slack channel). In both languages, as every agent
 * of the channel reads it (the desk has no language setting of its own).
 */
export function editText(e: EditedMessage, customerName: string | null): string {
  const shown = (text: string) => (text.trim() ? escapeSlack(clip(text, EDIT_TEXT_LIMIT)) : '_(без текста / no text)_');
  const head =
    e.authorKind === 'customer'
      ? `:pencil2: *Клиент изменил сообщение / Customer edited a message* · :bust_in_silhouette: *${escapeSlack(e.authorName ?? customerName ?? 'Customer')}*`
      : `:pencil2: *${e.authorKind === 'note' ? 'Заметка изменена / Note edited' : 'Ответ изменён / Reply edited'}* · *${escapeSlack(e.authorName ?? 'Support')}*`;
  return [head, `*Теперь / Now:* ${shown(e.text)}`, '*Было / Before:*', `>${shown(e.previousText).replace(/\n/g, '\n>')}`].join('\n');
}
