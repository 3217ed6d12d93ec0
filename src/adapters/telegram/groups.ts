/**
 * Group chats: a customer company's group talking to the bot. The whole group is one
 * conversation (one ticket at a time), but people there also talk among themselves: only a
 * message that mentions the bot or replies to one of its messages goes to the desk.
 */
import type { Chat, Message, MessageEntity, UserFromGetMe } from 'grammy/types';

export function isGroupChat(chat: Chat): boolean {
  return chat.type === 'group' || chat.type === 'supergroup';
}

/** The bot as the addressing rule needs it. */
export type BotIdentity = Pick<UserFromGetMe, 'id' | 'username'>;

/** True when a group message is meant for the bot: an @mention, a text mention, or a reply to it. */
export function addressedToBot(msg: Message, me: BotIdentity): boolean {
  if (msg.reply_to_message?.from?.id === me.id) return true;
  const text = msg.text ?? msg.caption ?? '';
  const entities = msg.entities ?? msg.caption_entities ?? [];
  return entities.some((e) => mentions(e, text, me));
}

function mentions(e: MessageEntity, text: string, me: BotIdentity): boolean {
  if (e.type === 'text_mention') return e.user.id === me.id;
  const part = text.slice(e.offset, e.offset + e.length).toLowerCase();
  const handle = `@${me.username.toLowerCase()}`;
  if (e.type === 'mention') return part === handle;
  if (e.type === 'bot_command') return part.endsWith(handle);
  return false;
}

/** The text without the bot's @handle ("@shop_bot where is my order?" → "where is my order?"). */
export function withoutMention(text: string, me: BotIdentity): string {
  const escaped = me.username.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text
    .replace(new RegExp(`(^|\\s)@${escaped}(?![\\w])[,:]?`, 'giu'), '$1')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}
