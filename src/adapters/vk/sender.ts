/**
 * The VK channel's outgoing half: one committed outbound message → `messages.send` to the
 * conversation's peer.
 *
 * - Idempotent: each send carries a `random_id` derived from the message's id (and the part's
 *   index), so a retry after a lost answer is not delivered twice (see randomId.ts).
 * - `peer_ids` (one peer), as vk-io does in a community's name: VK then answers with the
 *   conversation message id, which keys the sent message like inbound ones (`<peer>_<cmid>`).
 * - Texts over 4096 characters go as several messages; the keyboard and attachments ride on
 *   the last one. Buttons become an inline keyboard (keyboard.ts). Files are uploaded
 *   (upload.ts); one that cannot be is linked in the text, or named as not attached.
 * - At most 20 sends per second over the channel (VK's limit for a community), enforced by the
 *   delivery worker. VK's errors become retryable or permanent delivery errors (errors.ts).
 * - An agent's edit of a sent reply is `messages.edit` of it (by conversation message id, as it
 *   was keyed), within the day VK allows. Only a reply sent as one text message (with its
 *   keyboard) can be edited: one split into several, or carrying files (an edit without them
 *   would drop them), cannot (EditUnsupportedError: the agent is told to send a correction).
 */
import { EditUnsupportedError, PermanentDeliveryError } from '../../core/delivery/errors.js';
import type { Attachment, Button, ChannelSender, OutboundEdit, OutboundMessage, RateLimits, SendResult } from '../../core/model.js';
import type { VkApi, VkParams } from './api.js';
import { isAuthError, toDeliveryError, vkErrorCode, VkPeerError } from './errors.js';
import { renderKeyboard } from './keyboard.js';
import { randomIdFor } from './randomId.js';
import { splitText } from '../text.js';
import { VK_TEXT_LIMIT } from './text.js';
import { messageKey } from './translate.js';
import { NotAttachable, type VkUploader } from './upload.js';

/** VK lets a community edit its message for a day. */
export const VK_EDIT_WINDOW_MS = 24 * 60 * 60 * 1000;
/** VK's answers to an edit that no retry will change: too old (909), not editable (920, 15 access denied). */
const UNEDITABLE = new Set([909, 920, 15]);

/** VK takes at most 10 attachments per message. */
const MAX_ATTACHMENTS = 10;

type SendAnswer = number | Array<{ peer_id: number; message_id?: number; conversation_message_id?: number; error?: { code?: number; error_code?: number; description?: string; error_msg?: string } }>;

interface PreparedAttachments {
  refs: string[];
  /** Lines for the text: links to files that could not be attached. */
  notes: string[];
  location?: { lat: number; long: number };
}

export class VkSender implements ChannelSender {
  readonly channel = 'vk' as const;
  readonly rateLimits: RateLimits = { perSecond: 20 };
  readonly editWindowMs = VK_EDIT_WINDOW_MS;

  constructor(
    private readonly api: VkApi | null,
    private readonly uploader: VkUploader | null,
    private readonly hooks: { onAuthError?: (err: Error) => void; onSent?: () => void } = {},
  ) {}

  async send(message: OutboundMessage): Promise<SendResult> {
    const api = this.api;
    if (!api) throw new PermanentDeliveryError('the VK channel is off: set VK_TOKEN');
    const peerId = Number(message.chatId);
    if (!Number.isSafeInteger(peerId) || peerId === 0) throw new PermanentDeliveryError(`"${message.chatId}" is not a VK peer id`);
    try {
      const attachments = await this.prepareAttachments(peerId, message);
      const { keyboard, overflow } = renderKeyboard(message.buttons);
      const extra = [...overflow.map((b) => `• ${b.label}`), ...attachments.notes];
      const text = extra.length ? `${message.text}${message.text ? '\n\n' : ''}${extra.join('\n')}` : message.text;
      const parts = splitText(text, VK_TEXT_LIMIT);
      let first: string | undefined;
      for (const [i, part] of parts.entries()) {
        const last = i === parts.length - 1;
        const params: VkParams = { peer_ids: peerId, random_id: randomIdFor(message.id, i), message: part };
        if (last && keyboard) params.keyboard = keyboard;
        if (last && attachments.refs.length) params.attachment = attachments.refs.join(',');
        if (last && attachments.location) Object.assign(params, attachments.location);
        const key = await sendOne(api, peerId, params);
        first ??= key;
      }
      this.hooks.onSent?.();
      return first ? { platformMessageId: first } : {};
    } catch (err) {
      if (isAuthError(err)) this.hooks.onAuthError?.(err as Error);
      throw toDeliveryError(err);
    }
  }

  async edit(e: OutboundEdit): Promise<void> {
    const api = this.api;
    if (!api) throw new PermanentDeliveryError('the VK channel is off: set VK_TOKEN');
    const m = e.message;
    const key = e.platformMessageId ? /^(-?\d+)_(m?)(\d+)$/.exec(e.platformMessageId) : null;
    if (!key || key[1] !== m.chatId) throw new EditUnsupportedError('the reply has no VK message to edit');
    if (m.attachments.length) throw new EditUnsupportedError('the reply went out with files');
    const { keyboard, overflow } = renderKeyboard(m.buttons);
    const before = withOverflow(e.sentText, overflow);
    const text = withOverflow(m.text, overflow);
    if (before.length > VK_TEXT_LIMIT || text.length > VK_TEXT_LIMIT) throw new EditUnsupportedError('the reply does not fit in one VK message');
    const params: VkParams = { peer_id: Number(key[1]), message: text, keep_forward_messages: 1, keep_snippets: 1 };
    if (key[2]) params.message_id = Number(key[3]);
    else params.conversation_message_id = Number(key[3]);
    if (keyboard) params.keyboard = keyboard;
    try {
      await api.call('messages.edit', params);
      this.hooks.onSent?.();
    } catch (err) {
      const code = vkErrorCode(err);
      if (code !== undefined && UNEDITABLE.has(code)) throw new EditUnsupportedError(`VK refused the edit: ${(err as Error).message}`, code === 909 ? 'too_old' : 'unsupported');
      if (isAuthError(err)) this.hooks.onAuthError?.(err as Error);
      throw toDeliveryError(err);
    }
  }

  private async prepareAttachments(peerId: number, message: OutboundMessage): Promise<PreparedAttachments> {
    const prepared: PreparedAttachments = { refs: [], notes: [] };
    for (const [i, attachment] of message.attachments.entries()) {
      if (attachment.kind === 'location' || attachment.kind === 'contact') {
        this.addRichObject(prepared, attachment);
        continue;
      }
      if (prepared.refs.length >= MAX_ATTACHMENTS || !this.uploader) {
        prepared.notes.push(note(attachment, this.uploader?.publicLink(attachment) ?? attachment.url));
        continue;
      }
      try {
        prepared.refs.push(await this.uploader.attach(peerId, attachment, `${message.id}:${i}`));
      } catch (err) {
        if (!(err instanceof NotAttachable)) throw err;
        prepared.notes.push(note(attachment, err.link));
      }
    }
    return prepared;
  }

  /** A location goes as the message's point (the first one), a contact as text. */
  private addRichObject(prepared: PreparedAttachments, attachment: Attachment): void {
    const data = attachment.data ?? {};
    const lat = Number(data.latitude ?? data.lat);
    const long = Number(data.longitude ?? data.lon ?? data.long);
    if (attachment.kind === 'location' && Number.isFinite(lat) && Number.isFinite(long)) {
      if (!prepared.location) prepared.location = { lat, long };
      else prepared.notes.push(`📍 ${lat}, ${long}`);
      return;
    }
    const parts = [attachment.name, data.name, data.phone, data.email].filter((v): v is string => typeof v === 'string' && v.length > 0);
    if (parts.length) prepared.notes.push(`👤 ${parts.join(', ')}`);
  }
}

/** The text with the buttons that did not fit in the keyboard listed under it, as `send` writes it. */
function withOverflow(text: string, overflow: Button[]): string {
  return overflow.length ? `${text}${text ? '\n\n' : ''}${overflow.map((b) => `• ${b.label}`).join('\n')}` : text;
}

/** One messages.send; the sent message's key. VK reports a peer's failure inside the answer. */
async function sendOne(api: VkApi, peerId: number, params: VkParams): Promise<string | undefined> {
  const answer = await api.call<SendAnswer>('messages.send', params);
  if (typeof answer === 'number') return answer ? messageKey(peerId, { id: answer }) : undefined;
  const mine = answer.find((a) => a.peer_id === peerId) ?? answer[0];
  if (mine?.error) throw new VkPeerError(Number(mine.error.code ?? mine.error.error_code), mine.error.description ?? mine.error.error_msg ?? 'messages.send failed for the peer');
  return mine ? messageKey(peerId, { conversation_message_id: mine.conversation_message_id, id: mine.message_id }) : undefined;
}

/** "📎 invoice.pdf: https://…", or "📎 invoice.pdf (not attached)" when there is no public link. */
function note(attachment: Attachment, link: string | undefined): string {
  const name = attachment.name ?? attachment.kind;
  return link && /^https?:\/\//i.test(link) ? `📎 ${name}: ${link}` : `📎 ${name} (not attached)`;
}
