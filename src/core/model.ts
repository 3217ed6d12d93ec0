/**
 * The normalized message model: every channel adapter turns its platform's updates into an
 * `InboundMessage`, and turns an `OutboundMessage` back into platform calls.
 */
import type { AuthorKind, Channel } from '../generated/prisma/enums.js';

export type { AuthorKind, Channel };
export { Channel as Channels, TicketStatus, Priority, AuthorKind as AuthorKinds } from '../generated/prisma/enums.js';

export type AttachmentKind = 'photo' | 'document' | 'voice' | 'audio' | 'video' | 'sticker' | 'location' | 'contact';

/** A file or a rich object that came with a message. `url` points at our stored copy when we keep one. */
export interface Attachment {
  kind: AttachmentKind;
  mimeType?: string;
  size?: number;
  name?: string;
  url?: string;
  /** Location or contact payloads (lat/lon, phone …). */
  data?: Record<string, unknown>;
}

/** A button offered with an outbound message; a press comes back as `InboundMessage.buttonId`. */
export interface Button {
  id: string;
  label: string;
}

/** The customer as the platform describes them; fills in the contact. */
export interface Sender {
  /** The platform's user id. */
  id: string;
  name?: string;
  username?: string;
  email?: string;
  phone?: string;
  /** ISO 639-1, e.g. "ru". */
  language?: string;
}

/** One message from a customer, as every adapter hands it to the core. */
export interface InboundMessage {
  channel: Channel;
  /** The platform's chat: one conversation per (channel, chatId). */
  chatId: string;
  /** The platform's message id, unique within the channel: the idempotency key. */
  messageId: string;
  from: Sender;
  text: string;
  attachments?: Attachment[];
  /** When the platform says it was sent; the SLA clock starts here. Defaults to now. */
  sentAt?: Date;
  /** The platform id of the message this one replies to. */
  replyToMessageId?: string;
  /** Set when the customer pressed a button we sent. */
  buttonId?: string;
  /** A topic (category) the customer picked, e.g. in the widget's form. */
  topic?: string;
}

/** What the delivery worker hands an adapter: one committed outbound message. */
export interface OutboundMessage {
  id: string;
  channel: Channel;
  chatId: string;
  text: string;
  author: { kind: Exclude<AuthorKind, 'customer' | 'note'>; name: string | null };
  buttons: Button[];
  attachments: Attachment[];
  ticketNumber: number | null;
  /** The platform id of the customer message being answered, when the channel threads replies. */
  replyToMessageId?: string;
  sentAt: Date;
}

/** What a successful platform send reports back. */
export interface SendResult {
  platformMessageId?: string;
}

/** The outgoing half of a channel adapter. */
export interface ChannelSender {
  readonly channel: Channel;
  send(message: OutboundMessage): Promise<SendResult>;
}
