/**
 * The WhatsApp channel's outbound side: one committed message becomes one or more WhatsApp
 * messages (the text split to length, then each file), sent through the connected session.
 *
 * - Not connected (starting, waiting for a QR scan, reconnecting): RetryableDeliveryError, so
 *   the delivery queue tries again later and the reply arrives once the session is back.
 * - A number WhatsApp does not know: PermanentDeliveryError.
 * - A message that failed halfway resumes where it stopped when retried (on this instance), so
 *   the customer does not get its first part twice.
 * - An agent's edit of a sent reply is whatsapp-web.js's `Message.edit`, within the 15 minutes
 *   WhatsApp allows, for a reply sent as one text message (not split, no files); otherwise
 *   EditUnsupportedError, and the agent is told to send a correction.
 */
import type { ChannelStatus } from '../adapter.js';
import { EditUnsupportedError, PermanentDeliveryError, RateLimitedError, RetryableDeliveryError } from '../../core/delivery/errors.js';
import type { Attachment, ChannelSender, OutboundEdit, OutboundMessage, RateLimits, SendResult } from '../../core/model.js';
import type { OutgoingFile, WhatsAppClient, WhatsAppContent, WhatsAppDriver } from './client.js';
import { splitText } from '../text.js';
import { MAX_TEXT_LENGTH, renderText } from './format.js';

/**
 * WhatsApp publishes no limits for WhatsApp Web, and bans numbers that send like a bot: stay well
 * below what a person could type. The delivery worker enforces these for all instances.
 */
export const WHATSAPP_RATE_LIMITS: RateLimits = { perSecond: 10, perChatIntervalMs: 1000 };

/** Gets a file an agent attached (the gateway's stored copy); null when there is none to send. */
export type FileLoader = (attachment: Attachment) => Promise<OutgoingFile | null>;

export interface WhatsAppSenderOptions {
  /** Pause between the parts of one message (split text, files), so it does not arrive as a burst. */
  partIntervalMs: number;
  /** Longest one send may take before it counts as failed (and is retried). */
  sendTimeoutMs: number;
}

/** The status detail of an instance that does not hold the session (another instance runs it). */
export const WHATSAPP_STANDBY_DETAIL = 'standby (another instance runs the session)';

/** How soon a standby instance hands a reply back to the queue, for the session holder to send. */
const STANDBY_RETRY_MS = 1000;

/** The session as the sender sees it. */
export interface SessionView {
  /** WHATSAPP_ENABLED: a message for a channel that is off fails at once instead of waiting. */
  readonly enabled: boolean;
  connectedClient(): WhatsAppClient | undefined;
  status(): ChannelStatus;
}

type Part = { kind: 'text'; text: string } | { kind: 'file'; attachment: Attachment };

/** How many half-sent messages are remembered for resuming. */
const MAX_IN_PROGRESS = 1000;

/** Errors of WhatsApp Web that say the recipient does not exist: retrying cannot help. */
const UNKNOWN_RECIPIENT = /invalid wid|wid error|not a valid|no lid for user|not registered|invalid number/i;

export class WhatsAppSender implements ChannelSender {
  readonly channel = 'whatsapp' as const;
  readonly rateLimits = WHATSAPP_RATE_LIMITS;
  /** WhatsApp lets a message be edited for 15 minutes. */
  readonly editWindowMs = 15 * 60_000;
  /** Message id → the parts already sent and the first one's platform id. */
  private readonly progress = new Map<string, { sent: number; firstId?: string }>();

  constructor(
    private readonly session: SessionView,
    private readonly driver: () => Promise<WhatsAppDriver>,
    private readonly loadFile: FileLoader,
    private readonly options: WhatsAppSenderOptions,
  ) {}

  async send(message: OutboundMessage): Promise<SendResult> {
    const chatId = toChatId(message.chatId);
    const parts = partsOf(message);
    const done = this.progress.get(message.id) ?? { sent: 0 };
    for (let i = done.sent; i < parts.length; i++) {
      if (i > 0 && this.options.partIntervalMs > 0) await sleep(this.options.partIntervalMs);
      let sent: { id: { _serialized: string } } | undefined | null;
      try {
        const client = this.client();
        const content = await this.contentOf(parts[i]!);
        if (content === null) continue;
        const quoted = i === 0 && message.replyToMessageId ? { quotedMessageId: message.replyToMessageId } : {};
        sent = await withTimeout(client.sendMessage(chatId, content, { linkPreview: false, ...quoted }), this.options.sendTimeoutMs);
      } catch (err) {
        this.remember(message.id, { ...done, sent: i });
        throw classify(err);
      }
      if (!sent) {
        this.progress.delete(message.id);
        throw new PermanentDeliveryError(`WhatsApp has no chat ${chatId}: the number is not on WhatsApp`);
      }
      done.firstId ??= sent.id._serialized;
      done.sent = i + 1;
    }
    this.progress.delete(message.id);
    return done.firstId ? { platformMessageId: done.firstId } : {};
  }

  async edit(e: OutboundEdit): Promise<void> {
    const m = e.message;
    if (!e.platformMessageId) throw new EditUnsupportedError('the reply has no WhatsApp message to edit');
    if (m.attachments.length) throw new EditUnsupportedError('the reply went out with files');
    const text = renderText(m);
    if (!text || renderText({ ...m, text: e.sentText }).length > MAX_TEXT_LENGTH || text.length > MAX_TEXT_LENGTH) {
      throw new EditUnsupportedError('the reply does not fit in one WhatsApp message');
    }
    try {
      const client = this.client();
      if (!client.getMessageById) throw new EditUnsupportedError('this WhatsApp client cannot edit messages');
      const sent = await withTimeout(client.getMessageById(e.platformMessageId), this.options.sendTimeoutMs);
      if (!sent) throw new EditUnsupportedError('WhatsApp no longer has the message');
      const edited = await withTimeout(sent.edit(text), this.options.sendTimeoutMs);
      if (edited === null || edited === undefined) throw new EditUnsupportedError('WhatsApp would not edit the message');
    } catch (err) {
      throw classify(err);
    }
  }

  private client(): WhatsAppClient {
    if (!this.session.enabled) throw new PermanentDeliveryError('WhatsApp is off: set WHATSAPP_ENABLED=true');
    const client = this.session.connectedClient();
    if (client) return client;
    const status = this.session.status();
    // Another instance holds the session: wait for its worker to take the job, without using up an attempt.
    if (status.detail === WHATSAPP_STANDBY_DETAIL) throw new RateLimitedError('the WhatsApp session runs on another instance', STANDBY_RETRY_MS);
    throw new RetryableDeliveryError(`WhatsApp is not connected (${status.detail ?? status.state}${status.lastError ? `; ${status.lastError}` : ''})`);
  }

  /** A file part as the client sends it; a link when the file cannot be had; null to leave it out. */
  private async contentOf(part: Part): Promise<WhatsAppContent | null> {
    if (part.kind === 'text') return part.text;
    const { attachment } = part;
    let file: OutgoingFile | null;
    try {
      file = await this.loadFile(attachment);
    } catch (err) {
      throw new RetryableDeliveryError(`cannot read the attachment ${attachment.name ?? attachment.url ?? ''}: ${errorMessage(err)}`);
    }
    if (file) return (await this.driver()).media(file);
    if (attachment.url && /^https?:\/\//i.test(attachment.url)) return `${attachment.name ?? 'File'}: ${attachment.url}`;
    return null;
  }

  private remember(id: string, state: { sent: number; firstId?: string }): void {
    if (state.sent === 0) return;
    this.progress.delete(id);
    this.progress.set(id, state);
    if (this.progress.size > MAX_IN_PROGRESS) this.progress.delete(this.progress.keys().next().value!);
  }
}

/** The text parts, then the attachments: files as files, locations and contacts as text. */
function partsOf(message: OutboundMessage): Part[] {
  const parts: Part[] = splitText(renderText(message), MAX_TEXT_LENGTH).map((text) => ({ kind: 'text', text }));
  for (const attachment of message.attachments) {
    const described = describe(attachment);
    parts.push(described ? { kind: 'text', text: described } : { kind: 'file', attachment });
  }
  return parts;
}

/** Locations and contacts as text a customer can tap; null for files. */
function describe(attachment: Attachment): string | null {
  const data = attachment.data ?? {};
  if (attachment.kind === 'location' && data.latitude !== undefined && data.longitude !== undefined) {
    const name = typeof data.name === 'string' ? `${data.name}\n` : '';
    return `${name}https://maps.google.com/?q=${Number(data.latitude)},${Number(data.longitude)}`;
  }
  if (attachment.kind === 'contact' && !attachment.url) {
    const lines = [data.name, ...(Array.isArray(data.phones) ? data.phones : [data.phone])].filter((v): v is string => typeof v === 'string' && v !== '');
    return lines.length ? lines.join('\n') : null;
  }
  return null;
}

/**
 * A chat id as WhatsApp Web wants it: conversations carry the id the customer wrote from
 * ("79161234567@c.us"); a bare phone number is accepted too.
 */
export function toChatId(chatId: string): string {
  if (/^[^@\s]+@(c\.us|lid|s\.whatsapp\.net)$/.test(chatId)) return chatId;
  const digits = chatId.replace(/[\s()+-]/g, '');
  if (/^\d{5,15}$/.test(digits)) return `${digits}@c.us`;
  throw new PermanentDeliveryError(`not a WhatsApp chat id or phone number: ${chatId}`);
}

function classify(err: unknown): Error {
  if (err instanceof RetryableDeliveryError || err instanceof PermanentDeliveryError) return err;
  const message = errorMessage(err);
  if (UNKNOWN_RECIPIENT.test(message)) return new PermanentDeliveryError(`WhatsApp refused the recipient: ${message}`);
  // The page crashed, the session closed, WhatsApp Web was slow: the session will be back.
  return new RetryableDeliveryError(`WhatsApp send failed: ${message}`);
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RetryableDeliveryError(`WhatsApp did not confirm the send within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
