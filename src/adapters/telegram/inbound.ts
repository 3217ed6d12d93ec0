/**
 * Telegram messages as the core's normalized inbound messages and edits.
 *
 * Ids: Telegram's message ids are unique per chat only, so the platform message id (the
 * pipeline's idempotency key) is `${chat.id}:${message_id}`; the chat id is the conversation.
 * A redelivered update therefore maps to the same key and is stored once.
 */
import type { Chat, Message, User } from 'grammy/types';
import type { InboundEdit, InboundMessage, Sender } from '../../core/model.js';
import { attachmentsOf, type FileFetcher } from './attachments.js';

/** The platform message id of a Telegram message: unique within the channel. */
export function messageKey(chatId: number | string, messageId: number): string {
  return `${chatId}:${messageId}`;
}

/** The customer's profile as Telegram tells it: it fills in the contact. */
export function senderOf(user: User | undefined, chat: Chat, phone?: string): Sender {
  if (!user) {
    // Sent on behalf of a chat (an anonymous group admin, a linked channel).
    return { id: `chat:${chat.id}`, ...('title' in chat && chat.title ? { name: chat.title } : {}) };
  }
  const name = [user.first_name, user.last_name].filter(Boolean).join(' ').trim();
  const language = user.language_code?.toLowerCase().split(/[-_]/)[0];
  return {
    id: String(user.id),
    ...(name ? { name } : {}),
    ...(user.username ? { username: user.username } : {}),
    ...(language ? { language } : {}),
    ...(phone ? { phone } : {}),
  };
}

/** True for messages with something for the desk: text, a caption or media (not joins, pins …). */
export function hasContent(msg: Message): boolean {
  return Boolean(
    msg.text?.trim() ||
      msg.caption?.trim() ||
      msg.photo ||
      msg.document ||
      msg.animation ||
      msg.video ||
      msg.video_note ||
      msg.voice ||
      msg.audio ||
      msg.sticker ||
      msg.location ||
      msg.venue ||
      msg.contact,
  );
}

export interface InboundExtras {
  /** Replaces the message's own text (a group mention stripped, a command turned into words). */
  text?: string;
  buttonId?: string;
  topic?: string;
}

export function toInboundMessage(msg: Message, fetch: FileFetcher, extras: InboundExtras = {}): InboundMessage {
  // A customer sharing their own phone number (the "share contact" button) fills in the contact.
  const ownPhone = msg.contact && msg.from && msg.contact.user_id === msg.from.id ? msg.contact.phone_number : undefined;
  const attachments = attachmentsOf(msg, fetch);
  const reply = msg.reply_to_message;
  return {
    channel: 'telegram',
    chatId: String(msg.chat.id),
    messageId: messageKey(msg.chat.id, msg.message_id),
    from: senderOf(msg.from, msg.chat, ownPhone),
    text: extras.text ?? msg.text ?? msg.caption ?? '',
    sentAt: new Date(msg.date * 1000),
    ...(attachments.length ? { attachments } : {}),
    ...(reply ? { replyToMessageId: messageKey(msg.chat.id, reply.message_id) } : {}),
    ...(extras.buttonId ? { buttonId: extras.buttonId } : {}),
    ...(extras.topic ? { topic: extras.topic } : {}),
  };
}

/** An edited message's new text, as an edit of the message stored under the same key. */
export function toInboundEdit(msg: Message, text?: string): InboundEdit | null {
  const newText = text ?? msg.text ?? msg.caption;
  // Live-location updates arrive as edits too; only a changed text is an edit for the desk.
  if (newText === undefined) return null;
  return {
    channel: 'telegram',
    chatId: String(msg.chat.id),
    messageId: messageKey(msg.chat.id, msg.message_id),
    text: newText,
    editedAt: new Date((msg.edit_date ?? msg.date) * 1000),
  };
}
