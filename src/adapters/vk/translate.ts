/**
 * VK's objects as the core's normalized messages. A message's key is `<peer_id>_<conversation
 * message id>`: VK's number of the message within its conversation, the same in every delivery
 * of it (a callback retry, long poll, an edit), and, unlike `id`, set in group chats too. Sent
 * messages get the same kind of key, so a customer's reply to one of ours points at it.
 */
import type { InboundEdit, InboundMessage, Sender } from '../../core/model.js';
import { parseAttachments } from './attachments.js';
import { buttonIdFromPayload } from './keyboard.js';
import type { VkMessage, VkMessageEvent } from './schema.js';
import { unescapeVkText } from './text.js';

export function messageKey(peerId: number, message: { conversation_message_id?: number | undefined; id?: number | undefined }): string | undefined {
  if (message.conversation_message_id) return `${peerId}_${message.conversation_message_id}`;
  if (message.id) return `${peerId}_m${message.id}`;
  return undefined;
}

/** Whether a message is one a customer wrote (not ours, not a service message). */
export function isCustomerMessage(message: VkMessage): boolean {
  return !message.out && !message.action;
}

/** A customer's message, or null when it cannot be keyed. */
export function toInboundMessage(message: VkMessage, from: Sender): InboundMessage | null {
  const key = messageKey(message.peer_id, message);
  if (!key) return null;
  const { attachments, skipped } = parseAttachments(message);
  if (message.fwd_messages?.length) skipped.push('forwarded messages');
  let text = message.text ? unescapeVkText(message.text) : '';
  // Something came that is not text and not a file (a link, a wall post …): say so, not nothing.
  if (!text && attachments.length === 0 && skipped.length) text = `[${skipped.join(', ')}]`;
  const reply = message.reply_message;
  const replyKey = reply ? messageKey(reply.peer_id || message.peer_id, reply) : undefined;
  const buttonId = buttonIdFromPayload(message.payload);
  return {
    channel: 'vk',
    chatId: String(message.peer_id),
    messageId: key,
    from,
    text,
    ...(attachments.length ? { attachments } : {}),
    ...(message.date ? { sentAt: new Date(message.date * 1000) } : {}),
    ...(replyKey ? { replyToMessageId: replyKey } : {}),
    ...(buttonId ? { buttonId } : {}),
  };
}

/** A customer's edit of an earlier message. */
export function toInboundEdit(message: VkMessage): InboundEdit | null {
  const key = messageKey(message.peer_id, message);
  if (!key) return null;
  const at = message.update_time ?? message.date;
  return {
    channel: 'vk',
    chatId: String(message.peer_id),
    messageId: key,
    text: message.text ? unescapeVkText(message.text) : '',
    ...(at ? { editedAt: new Date(at * 1000) } : {}),
  };
}

/**
 * A press of a callback button, as a message with the button's id. It has no message of its own
 * in VK, so its key is the press's event_id; the text is the label when the payload carries one.
 */
export function toButtonPress(event: VkMessageEvent, from: Sender): InboundMessage | null {
  const buttonId = buttonIdFromPayload(event.payload);
  if (!buttonId) return null;
  const payload = event.payload as Record<string, unknown> | undefined;
  const label = payload && typeof payload === 'object' && typeof payload.l === 'string' ? payload.l : undefined;
  return {
    channel: 'vk',
    chatId: String(event.peer_id),
    messageId: `${event.peer_id}_press_${event.event_id}`,
    from,
    text: label ?? buttonId,
    buttonId,
  };
}
