/**
 * WhatsApp messages and edits, translated into the core's `InboundMessage` and `InboundEdit`.
 *
 * Only customers' private chats become messages: the session's own messages, status updates,
 * broadcasts, groups and channels (newsletters) are not conversations with a customer.
 * A typed "2" stays the text "2": the bot reads numbered replies itself (WhatsApp has no buttons).
 */
import type { InboundEdit, InboundMessage, Sender } from '../../core/model.js';
import { attachmentsOf } from './attachments.js';
import type { WhatsAppContact, WhatsAppMessage } from './client.js';

/** Message types that are service notices, not something a customer wrote. */
const SERVICE_TYPES = new Set([
  'revoked',
  'e2e_notification',
  'notification',
  'notification_template',
  'gp2',
  'group_notification',
  'call_log',
  'protocol',
  'reaction',
  'ciphertext',
  'broadcast_notification',
  'debug',
]);

/** Why a message is not a customer's, or null when it is. */
export function skipReason(msg: WhatsAppMessage): string | null {
  if (msg.fromMe) return 'own message';
  if (msg.isStatus || msg.from === 'status@broadcast') return 'status update';
  if (msg.broadcast || msg.from.endsWith('@broadcast')) return 'broadcast';
  if (msg.from.endsWith('@g.us')) return 'group chat';
  if (msg.from.endsWith('@newsletter')) return 'channel';
  if (SERVICE_TYPES.has(msg.type)) return `service message (${msg.type})`;
  return null;
}

/** The normalized message, or null for messages that are not a customer's (see `skipReason`). */
export async function toInboundMessage(msg: WhatsAppMessage): Promise<InboundMessage | null> {
  if (skipReason(msg)) return null;
  const attachments = attachmentsOf(msg);
  const text = textOf(msg);
  if (!text && attachments.length === 0) return null;
  const [from, replyTo] = await Promise.all([senderOf(msg), quotedId(msg)]);
  return {
    channel: 'whatsapp',
    chatId: msg.from,
    messageId: msg.id._serialized,
    from,
    text,
    ...(attachments.length ? { attachments } : {}),
    ...(msg.timestamp ? { sentAt: new Date(msg.timestamp * 1000) } : {}),
    ...(replyTo ? { replyToMessageId: replyTo } : {}),
  };
}

/** The edit, or null for messages that are not a customer's. */
export function toInboundEdit(msg: WhatsAppMessage, newBody: string): InboundEdit | null {
  if (skipReason(msg)) return null;
  return {
    channel: 'whatsapp',
    chatId: msg.from,
    messageId: msg.id._serialized,
    text: newBody,
    editedAt: msg.latestEditSenderTimestampMs ? new Date(msg.latestEditSenderTimestampMs) : new Date(),
  };
}

/**
 * What the customer wrote. A file's body is its caption; a location's body is a map thumbnail
 * and a contact card's is the vCard, both carried by the attachment instead.
 */
function textOf(msg: WhatsAppMessage): string {
  if (msg.type === 'location') return msg.location?.description ?? '';
  if (msg.type === 'vcard' || msg.type === 'multi_vcard') return '';
  return msg.body ?? '';
}

/** The customer's profile: the name they chose (or the one in the phone's address book) and their number. */
async function senderOf(msg: WhatsAppMessage): Promise<Sender> {
  let contact: WhatsAppContact | undefined;
  try {
    contact = await msg.getContact();
  } catch {
    // The profile only fills in the contact: the message is stored without it.
  }
  const name = contact?.pushname?.trim() || contact?.name?.trim() || contact?.shortName?.trim();
  const digits = contact?.number?.replace(/\D/g, '') || (msg.from.endsWith('@c.us') ? msg.from.slice(0, -'@c.us'.length) : '');
  return {
    id: msg.from,
    ...(name ? { name } : {}),
    ...(/^\d{5,15}$/.test(digits) ? { phone: `+${digits}` } : {}),
  };
}

async function quotedId(msg: WhatsAppMessage): Promise<string | undefined> {
  if (!msg.hasQuotedMsg) return undefined;
  try {
    return (await msg.getQuotedMessage())?.id._serialized;
  } catch {
    return undefined;
  }
}
