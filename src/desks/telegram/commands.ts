/**
 * The agents' commands in the Telegram desk. Inside a ticket's topic (or a reply to a ticket's
 * message in a plain group): /note, /take, /resolve, /snooze, /priority, /assign. Anywhere in the
 * group: /next, /mine, /help.
 */
import type { Message } from 'grammy/types';

/** Commands that act on one ticket, so they need a topic (or a reply) to say which. */
export const TICKET_COMMANDS = new Set(['note', 'take', 'resolve', 'snooze', 'priority', 'assign']);
/** Commands of the group as a whole. */
export const GENERAL_COMMANDS = new Set(['next', 'mine', 'help', 'start']);

export interface DeskCommand {
  /** Lower-case, without the slash or the bot's @username. */
  name: string;
  /** The rest of the text, trimmed. */
  args: string;
}

/**
 * The command a message starts with, or null: not a command, or one addressed to another bot
 * (`/take@OtherBot`). Telegram marks commands with a `bot_command` entity at offset 0.
 */
export function parseCommand(msg: Pick<Message, 'text' | 'entities'>, botUsername: string | undefined): DeskCommand | null {
  const text = msg.text ?? '';
  const entity = msg.entities?.find((e) => e.type === 'bot_command' && e.offset === 0);
  const head = entity ? text.slice(0, entity.length) : /^\/[A-Za-z0-9_]+(?:@[A-Za-z0-9_]+)?/.exec(text)?.[0];
  if (!head?.startsWith('/')) return null;
  const [name = '', addressee] = head.slice(1).split('@');
  if (addressee && botUsername && addressee.toLowerCase() !== botUsername.toLowerCase()) return null;
  return { name: name.toLowerCase(), args: text.slice(head.length).trim() };
}

/** The agent an `/assign` names: a text mention's Telegram user, else the `@handle` typed. */
export function assignTarget(msg: Pick<Message, 'entities'>, args: string): { telegramUserId: string } | { handle: string } | null {
  const mention = msg.entities?.find((e) => e.type === 'text_mention');
  if (mention?.type === 'text_mention') return { telegramUserId: String(mention.user.id) };
  const handle = /^@?([\p{L}\p{N}_.-]+)$/u.exec(args.trim())?.[1];
  return handle ? { handle } : null;
}
