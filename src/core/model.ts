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
  /** Location or contact payloads (lat/lon, phone …), or the platform's file reference. */
  data?: Record<string, unknown>;
  /** Why the file is not kept (download failed, too large): `data` still holds the platform's reference. */
  error?: string;
}

/** A button offered with an outbound message; a press comes back as `InboundMessage.buttonId`. */
export interface Button {
  id: string;
  label: string;
}

/**
 * An attachment as an adapter hands it in. `download` fetches the file from the platform; the
 * pipeline calls it and keeps the bytes (PostgreSQL), so agents can open the file later. Put the
 * platform's file reference in `data` too, so a file whose download failed can be fetched again.
 */
export interface InboundAttachment extends Attachment {
  download?: (limits: DownloadLimits) => Promise<{ data: Buffer; mimeType?: string; name?: string }>;
}

/**
 * What the pipeline will accept from `download`: a download may stop early (and throw) once it
 * passes `maxBytes`, and should abort on `signal` (the pipeline gave up waiting).
 */
export interface DownloadLimits {
  maxBytes: number;
  signal: AbortSignal;
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
  attachments?: InboundAttachment[];
  /** When the platform says it was sent; the SLA clock starts here. Defaults to now. */
  sentAt?: Date;
  /** The platform id of the message this one replies to. */
  replyToMessageId?: string;
  /** Set when the customer pressed a button we sent. */
  buttonId?: string;
  /** A topic (category) the customer picked, e.g. in the widget's form. */
  topic?: string;
}

/** A customer edited a message they sent earlier: the core keeps the old text as an edit. */
export interface InboundEdit {
  channel: Channel;
  chatId: string;
  /** The platform id of the edited message (the same one it was ingested with). */
  messageId: string;
  text: string;
  editedAt?: Date;
}

/**
 * An agent's reply written on the customer's platform itself (e.g. in a shared Slack channel):
 * the customer already has it, so the core records it on the chat's ticket as a delivered agent
 * reply and never sends it (src/core/platformReplies.ts).
 */
export interface InboundAgentReply {
  channel: Channel;
  /** The platform's chat: its conversation's open ticket gets the reply. */
  chatId: string;
  /** The platform's message id, unique within the channel: the idempotency key. */
  messageId: string;
  /** The agent's handle (the adapter maps the platform user to the agent directory). */
  agent: string;
  text: string;
  /** Files as the platform's references (not fetched: the customer already has them). */
  attachments?: Attachment[];
  /** When the platform says it was written; defaults to now. */
  sentAt?: Date;
}

/**
 * An agent edited, on the customer's platform itself, a message of theirs recorded as their reply
 * (an InboundAgentReply): the ticket takes the new text; the customer sees the edit already.
 */
export interface InboundAgentEdit {
  channel: Channel;
  chatId: string;
  /** The platform id of the edited message (the one it was recorded with). */
  messageId: string;
  /** The agent's handle. */
  agent: string;
  text: string;
  /** When the platform says it was edited; defaults to now. */
  editedAt?: Date;
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

/**
 * A platform's sending limits. The delivery worker enforces them for all instances together
 * (in Redis), so a burst waits in the queue instead of hitting the platform's 429.
 */
export interface RateLimits {
  /** Most messages per second over the whole channel (e.g. Telegram: 30 per bot). */
  perSecond?: number;
  /** Least time between two messages to one chat (e.g. Telegram: 1000 ms). */
  perChatIntervalMs?: number;
}

/**
 * An agent's edit of a reply the customer already has (src/core/agentEdits.ts), as the delivery
 * worker hands it to the channel's sender: the message as it reads now, and how it was sent.
 */
export interface OutboundEdit {
  /** The edit (a MessageEdit row): the idempotency key of this delivery. */
  editId: string;
  /** The message as it reads now (`text` is the new text), as the sender was given it when it sent it. */
  message: OutboundMessage;
  /** The text the customer has now (before this edit). */
  previousText: string;
  /**
   * The text the message was sent with (what `send` got, before any edit of the sent message):
   * whether it went out in several parts is judged from this, not from `previousText`.
   */
  sentText: string;
  /** What the sender returned when it sent the message (its key message), or null when it returned none. */
  platformMessageId: string | null;
  /** When the message was last edited. */
  editedAt: Date;
}

/** The outgoing half of a channel adapter. */
export interface ChannelSender {
  readonly channel: Channel;
  /** Limits the delivery worker respects for this channel; none means send as fast as jobs come. */
  readonly rateLimits?: RateLimits;
  send(message: OutboundMessage): Promise<SendResult>;
  /**
   * Puts an agent's edit into the message the customer has. Absent: the channel cannot edit (the
   * agent is told; nothing is sent). Throws EditUnsupportedError when this message cannot be edited
   * (sent in several parts, too old for the platform), and the delivery errors as `send` does.
   * Must be safe to repeat: a retry may edit a message that already reads so.
   */
  edit?(edit: OutboundEdit): Promise<void>;
  /** How long after it was sent the platform lets a message be edited (VK: a day); absent: no limit. */
  readonly editWindowMs?: number;
}
