/**
 * Slack customer channels' messages as the core's InboundMessage. A channel is one conversation
 * (one open ticket at a time, as on every channel); a message's id keeps the thread it was written
 * in, so replies can go back into that thread.
 */
import { attachmentKindOf, FileTooLargeError } from '../../core/files.js';
import type { Attachment, InboundAgentEdit, InboundAgentReply, InboundAttachment, InboundEdit, InboundMessage } from '../../core/model.js';
import { readDownload } from '../http.js';
import type { SlackEvent, SlackFile } from './payloads.js';
import { slackToPlain } from './text.js';

/**
 * The platform id of a Slack message: `<channel>:<ts>` at the top of the channel, and
 * `<channel>:<thread ts>/<ts>` in a thread. A ts is unique within its channel.
 */
export function slackMessageId(channel: string, ts: string, threadTs?: string): string {
  return threadTs && threadTs !== ts ? `${channel}:${threadTs}/${ts}` : `${channel}:${ts}`;
}

/** The ts of the thread a message (by its platform id) belongs to, or starts; null for another channel's id. */
export function threadOf(messageId: string): string | null {
  const match = /^[^:]+:(?:([\d.]+)\/)?([\d.]+)$/.exec(messageId);
  if (!match) return null;
  return match[1] ?? match[2] ?? null;
}

/** Message subtypes that are a person writing: a plain message has none. */
const WRITTEN = new Set(['file_share', 'thread_broadcast']);

/** True for a message a person wrote (not a bot, not a join, topic change or deletion). */
export function isWrittenMessage(e: SlackEvent): boolean {
  return !e.bot_id && Boolean(e.user) && Boolean(e.ts) && (!e.subtype || WRITTEN.has(e.subtype));
}

export interface InboundContext {
  /** The customer as Slack names them. */
  name?: string;
  email?: string;
  /** The bot token: Slack's file URLs need it. */
  token: string;
  timeoutMs: number;
}

/** A written message in a customer channel as an InboundMessage. */
export function toInboundMessage(e: SlackEvent & { channel: string; user: string; ts: string }, ctx: InboundContext): InboundMessage {
  const attachments = (e.files ?? []).map((f) => toAttachment(f, ctx));
  return {
    channel: 'slack',
    chatId: e.channel,
    messageId: slackMessageId(e.channel, e.ts, e.thread_ts),
    from: { id: e.user, ...(ctx.name ? { name: ctx.name } : {}), ...(ctx.email ? { email: ctx.email } : {}) },
    text: slackToPlain(e.text ?? ''),
    ...(attachments.length ? { attachments } : {}),
    sentAt: new Date(Math.round(Number(e.ts) * 1000)),
    ...(e.thread_ts && e.thread_ts !== e.ts ? { replyToMessageId: slackMessageId(e.channel, e.thread_ts) } : {}),
  };
}

/**
 * A known agent's message in a customer channel as their reply on the channel's ticket. Its id
 * is built as a customer's would be (and as our sender's answers are), so a redelivery is caught.
 * Files stay Slack's references: the customer already has them in the channel.
 */
export function toAgentReply(e: SlackEvent & { channel: string; ts: string }, agent: string): InboundAgentReply {
  const attachments = (e.files ?? []).map(fileReference);
  return {
    channel: 'slack',
    chatId: e.channel,
    messageId: slackMessageId(e.channel, e.ts, e.thread_ts),
    agent,
    text: slackToPlain(e.text ?? ''),
    ...(attachments.length ? { attachments } : {}),
    sentAt: new Date(Math.round(Number(e.ts) * 1000)),
  };
}

/** A `message_changed` event as an edit of the message it names; null when it is not a person's text edit. */
export function toInboundEdit(e: SlackEvent): InboundEdit | null {
  const m = e.message;
  if (e.subtype !== 'message_changed' || !e.channel || !m?.ts || !m.user || m.bot_id) return null;
  return { channel: 'slack', chatId: e.channel, messageId: slackMessageId(e.channel, m.ts, m.thread_ts), text: slackToPlain(m.text ?? ''), editedAt: new Date() };
}

/**
 * A known agent's `message_changed` as their edit of the message (recorded as their reply when
 * they wrote it), timed by Slack's `edited.ts`; null when it is not a person's text edit.
 */
export function toAgentEdit(e: SlackEvent, agent: string): InboundAgentEdit | null {
  const edit = toInboundEdit(e);
  if (!edit) return null;
  const editedTs = Number(e.message?.edited?.ts);
  return { ...edit, agent, editedAt: Number.isFinite(editedTs) && editedTs > 0 ? new Date(Math.round(editedTs * 1000)) : new Date() };
}

/** A Slack file as an attachment naming it, without its bytes. */
function fileReference(f: SlackFile): Attachment {
  const name = f.name ?? f.title;
  return {
    kind: f.mimetype ? attachmentKindOf(f.mimetype) : 'document',
    ...(f.mimetype ? { mimeType: f.mimetype } : {}),
    ...(f.size !== undefined ? { size: f.size } : {}),
    ...(name ? { name } : {}),
    data: { slackFileId: f.id ?? null },
  };
}

function toAttachment(f: SlackFile, ctx: InboundContext): InboundAttachment {
  const url = f.url_private_download ?? f.url_private;
  const name = f.name ?? f.title;
  return {
    ...fileReference(f),
    ...(url
      ? {
          download: async ({ maxBytes, signal }) => {
            if (f.size !== undefined && f.size > maxBytes) throw new FileTooLargeError(f.size, maxBytes);
            const timeout = AbortSignal.timeout(ctx.timeoutMs);
            const res = await fetch(url, { headers: { authorization: `Bearer ${ctx.token}` }, signal: AbortSignal.any([signal, timeout]) });
            const data = await readDownload(res, maxBytes, 'Slack file download');
            return { data, ...(f.mimetype ? { mimeType: f.mimetype } : {}), ...(name ? { name } : {}) };
          },
        }
      : {}),
  };
}
