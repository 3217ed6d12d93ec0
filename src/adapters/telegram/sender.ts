/**
 * The Telegram adapter's outbound side: one committed `OutboundMessage` as Bot API calls.
 *
 * - Text goes out plain (no parse mode), so nothing an agent or a customer typed can break the
 *   markup or inject formatting; texts over 4096 characters are split (./split.ts).
 * - Buttons become an inline keyboard on the last part (./buttons.ts keeps callback data ≤ 64 bytes).
 * - Attachments follow the text: our stored bytes when the file store has them, else a public
 *   URL or a Telegram file id; locations and contacts natively.
 * - A message sent in several parts that fails half-way resumes where it stopped on the retry,
 *   so the customer does not get the first parts twice.
 * - Errors become the delivery worker's retryable or permanent errors (./errors.ts).
 * - An agent's edit of a sent reply is `editMessageText` of its text message (a bot may edit its
 *   messages at any time). Only a reply that went out as one text message (with its keyboard, or
 *   followed by files) can be edited; one split into several messages, or whose key message is a
 *   file (files with a keyboard), cannot (EditUnsupportedError: the agent is told to correct it).
 */
import { GrammyError, InputFile, type Api } from 'grammy';
import { EditUnsupportedError, PermanentDeliveryError } from '../../core/delivery/errors.js';
import type { OutboundFiles } from '../../core/files.js';
import type { InlineKeyboardMarkup, Message, ReplyParameters } from 'grammy/types';
import type { Attachment, ChannelSender, OutboundEdit, OutboundMessage, RateLimits, SendResult } from '../../core/model.js';
import { callbackData, inlineKeyboard, isHashed } from './buttons.js';
import { toDeliveryError } from './errors.js';
import { messageKey } from './inbound.js';
import { timeoutSignal } from './signal.js';
import { splitText } from '../text.js';

/** Telegram's limit on a message's text (UTF-16 code units, as JavaScript counts them). */
export const TELEGRAM_TEXT_LIMIT = 4096;

/** Telegram's limits: about 30 messages a second per bot, one a second per chat. */
export const TELEGRAM_RATE_LIMITS: RateLimits = { perSecond: 30, perChatIntervalMs: 1000 };

/** The bytes of an attachment the desk keeps (the core's file store), or null when it has none. */
export type { OutboundFiles };

export interface TelegramSenderOptions {
  timeoutMs: number;
  files?: OutboundFiles;
  /** Told the ids of buttons sent as hashed callback data, so a press maps back without a lookup. */
  onHashedButtons?: (ids: string[]) => void;
}

type Part = { kind: 'text'; text: string } | { kind: 'attachment'; attachment: Attachment };

/** Where a multi-part message stopped: the next part to send, and the id of the message that counts. */
interface Progress {
  next: number;
  keyMessageId?: number;
}

/** Uploads get at least this long (files reach 50 MB). */
const MIN_UPLOAD_MS = 60_000;
/** Telegram takes photos up to 10 MB; bigger ones go as documents. */
const PHOTO_LIMIT = 10 * 1024 * 1024;
/** Multi-part messages remembered for resuming (a bound, not a cache anyone should hit often). */
const MAX_PROGRESS = 1000;
/** A keyboard needs a text to hang on; used when a message has buttons and nothing else. */
const KEYBOARD_ONLY_TEXT = '…';

export class TelegramSender implements ChannelSender {
  readonly channel = 'telegram' as const;
  readonly rateLimits = TELEGRAM_RATE_LIMITS;
  private readonly progress = new Map<string, Progress>();

  constructor(
    private readonly api: Api,
    private readonly options: TelegramSenderOptions,
  ) {}

  async send(message: OutboundMessage): Promise<SendResult> {
    const parts = partsOf(message);
    if (parts.length === 0) throw new PermanentDeliveryError('an empty message (no text, attachments or buttons) cannot be sent to Telegram');
    const keyboard = message.buttons.length ? inlineKeyboard(message.buttons) : undefined;
    if (keyboard) {
      const hashed = message.buttons.map((b) => b.id).filter((id) => isHashed(callbackData(id)));
      if (hashed.length) this.options.onHashedButtons?.(hashed);
    }
    const reply = replyParameters(message);
    const state = this.progress.get(message.id) ?? { next: 0 };
    try {
      for (; state.next < parts.length; state.next++) {
        const last = state.next === parts.length - 1;
        const sent = await this.sendPart(message.chatId, parts[state.next]!, {
          ...(last && keyboard ? { reply_markup: keyboard } : {}),
          ...(state.next === 0 && reply ? { reply_parameters: reply } : {}),
        });
        // The message that carries the keyboard is the one a press (or a customer's reply) points at.
        if (state.keyMessageId === undefined || (last && keyboard)) state.keyMessageId = sent.message_id;
      }
    } catch (err) {
      if (state.next > 0) this.remember(message.id, state);
      throw toDeliveryError(err);
    }
    this.progress.delete(message.id);
    return state.keyMessageId === undefined ? {} : { platformMessageId: messageKey(message.chatId, state.keyMessageId) };
  }

  async edit(e: OutboundEdit): Promise<void> {
    const m = e.message;
    const key = e.platformMessageId ? /^(-?\d+):(\d+)$/.exec(e.platformMessageId) : null;
    if (!key || key[1] !== m.chatId) throw new EditUnsupportedError('the reply has no Telegram message to edit');
    const before = e.sentText.trim();
    const text = m.text.trim();
    if (!before || (m.attachments.length && m.buttons.length)) throw new EditUnsupportedError('the reply went out as a file, not as a text message');
    if (before.length > TELEGRAM_TEXT_LIMIT || text.length > TELEGRAM_TEXT_LIMIT) throw new EditUnsupportedError('the reply does not fit in one Telegram message');
    if (!text) throw new EditUnsupportedError('a Telegram message cannot be edited to an empty text');
    const keyboard = m.buttons.length ? inlineKeyboard(m.buttons) : undefined;
    try {
      await this.api.editMessageText(m.chatId, Number(key[2]), text, keyboard ? { reply_markup: keyboard } : {}, timeoutSignal(this.options.timeoutMs));
    } catch (err) {
      // A retry after a lost answer: the message already reads so.
      if (err instanceof GrammyError && /message is not modified/i.test(err.description)) return;
      if (err instanceof GrammyError && err.error_code === 400 && /can't be edited|message to edit not found/i.test(err.description)) {
        throw new EditUnsupportedError(`Telegram refused the edit: ${err.description}`);
      }
      throw toDeliveryError(err);
    }
  }

  private remember(id: string, state: Progress): void {
    this.progress.delete(id);
    this.progress.set(id, state);
    if (this.progress.size > MAX_PROGRESS) this.progress.delete(this.progress.keys().next().value!);
  }

  private async sendPart(chatId: string, part: Part, other: { reply_markup?: InlineKeyboardMarkup; reply_parameters?: ReplyParameters }): Promise<Message> {
    const signal = timeoutSignal(this.options.timeoutMs);
    if (part.kind === 'text') return this.api.sendMessage(chatId, part.text, other, signal);
    const a = part.attachment;
    const data = a.data ?? {};
    if (a.kind === 'location' && typeof data.latitude === 'number' && typeof data.longitude === 'number') {
      return this.api.sendLocation(chatId, data.latitude, data.longitude, other, signal);
    }
    if (a.kind === 'contact' && typeof data.phoneNumber === 'string' && typeof data.firstName === 'string') {
      return this.api.sendContact(chatId, data.phoneNumber, data.firstName, { ...other, ...(typeof data.lastName === 'string' ? { last_name: data.lastName } : {}) }, signal);
    }
    const file = await this.fileOf(a);
    if (!file) {
      // Nothing Telegram can fetch: say what it was, so the customer can ask for it.
      return this.api.sendMessage(chatId, `📎 ${a.name ?? a.kind}`, other, signal);
    }
    const upload = timeoutSignal(Math.max(this.options.timeoutMs, MIN_UPLOAD_MS));
    switch (a.kind) {
      case 'photo':
        if ((a.size ?? 0) <= PHOTO_LIMIT) return this.api.sendPhoto(chatId, file, other, upload);
        return this.api.sendDocument(chatId, file, other, upload);
      case 'video':
        return this.api.sendVideo(chatId, file, other, upload);
      case 'audio':
        return this.api.sendAudio(chatId, file, other, upload);
      case 'voice':
        return this.api.sendVoice(chatId, file, other, upload);
      default:
        return this.api.sendDocument(chatId, file, other, upload);
    }
  }

  /** What to hand Telegram for a file: our bytes, else a public URL or a Telegram file id. */
  private async fileOf(a: Attachment): Promise<InputFile | string | null> {
    const stored = await this.options.files?.read(a);
    if (stored) return new InputFile(stored.data, a.name ?? stored.name);
    if (a.url && /^https?:\/\//i.test(a.url)) return a.url;
    const fileId = a.data?.fileId;
    return typeof fileId === 'string' ? fileId : null;
  }
}

/** Text parts (split to Telegram's limit), then one part per attachment. */
function partsOf(m: OutboundMessage): Part[] {
  const text = m.text.trim();
  const parts: Part[] = text ? splitText(text, TELEGRAM_TEXT_LIMIT).map((t) => ({ kind: 'text' as const, text: t })) : [];
  for (const attachment of m.attachments ?? []) parts.push({ kind: 'attachment', attachment });
  if (parts.length === 0 && m.buttons.length) parts.push({ kind: 'text', text: KEYBOARD_ONLY_TEXT });
  return parts;
}

/** Threads the reply under the customer's message when the core names one in this chat. */
function replyParameters(m: OutboundMessage): ReplyParameters | undefined {
  const match = m.replyToMessageId ? /^(-?\d+):(\d+)$/.exec(m.replyToMessageId) : null;
  if (!match || match[1] !== m.chatId) return undefined;
  return { message_id: Number(match[2]), allow_sending_without_reply: true };
}
