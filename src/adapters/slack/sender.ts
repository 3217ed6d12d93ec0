/**
 * Replies to Slack customer channels: each goes into the thread of the ticket's first customer
 * message, so one ticket is one thread in the customer's channel. Buttons (the bot's "Did this
 * help?", CSAT) are Block Kit buttons; a press comes back through the desk's events as
 * `buttonId`. Files we keep are uploaded into the thread after the text.
 *
 * A message may take several calls (text, then files). What was already posted is remembered in
 * Redis by part, so a retry after a failed upload does not post the text twice.
 *
 * An agent's edit of a sent reply is `chat.update` of its text message (files stay as they are).
 * Slack refusing it (the message is gone, or edits are closed) is an EditUnsupportedError.
 */
import { webApi } from '@slack/bolt';
import { EditUnsupportedError, PermanentDeliveryError, RateLimitedError } from '../../core/delivery/errors.js';
import { storedFileId, type OutboundFiles } from '../../core/files.js';
import type { Button, ChannelSender, OutboundEdit, OutboundMessage, RateLimits, SendResult } from '../../core/model.js';
import type { Db } from '../../db/prisma.js';
import type { Redis } from '../../redis.js';
import type { SlackApi } from './api.js';
import { slackMessageId, threadOf } from './inbound.js';
import { escapeSlack } from './text.js';

/** Action ids of our buttons: `omnidesk_button:<n>`, the button's id in the value. */
export const BUTTON_ACTION = 'omnidesk_button';
/** How long the parts already posted of a message are remembered. */
const PROGRESS_TTL_S = 7 * 24 * 60 * 60;

/** Slack's answers that no retry will change. */
const PERMANENT = new Set([
  'channel_not_found', 'not_in_channel', 'is_archived', 'msg_too_long', 'no_text', 'invalid_auth', 'account_inactive',
  'token_revoked', 'missing_scope', 'restricted_action', 'invalid_blocks', 'not_authed',
]);

export interface SlackSenderDeps {
  api: SlackApi;
  db: Db;
  redis: Redis;
  /** e.g. `omnidesk:slack:sent` */
  progressPrefix: string;
  files: OutboundFiles;
}

export class SlackSender implements ChannelSender {
  readonly channel = 'slack' as const;
  /** chat.postMessage: about one message per second per channel. */
  readonly rateLimits: RateLimits = { perChatIntervalMs: 1000 };

  constructor(private readonly deps: SlackSenderDeps) {}

  async send(message: OutboundMessage): Promise<SendResult> {
    try {
      return await this.post(message);
    } catch (err) {
      throw deliveryError(err);
    }
  }

  async edit(e: OutboundEdit): Promise<void> {
    const m = e.message;
    const key = e.platformMessageId ? /^([^:]+):(?:[\d.]+\/)?([\d.]+)$/.exec(e.platformMessageId) : null;
    if (!key || key[1] !== m.chatId) throw new EditUnsupportedError('the reply has no Slack message to edit');
    const text = textOf(m);
    if (!text) throw new EditUnsupportedError('a Slack message cannot be edited to an empty text');
    try {
      await this.deps.api.update({ channel: m.chatId, ts: key[2]!, text: escapeSlack(text), ...(m.buttons.length ? { blocks: blocks(text, m.buttons) } : {}) });
    } catch (err) {
      const code = (err as { code?: string; data?: { error?: string } }).data?.error;
      if ((err as { code?: string }).code === webApi.ErrorCode.PlatformError && code && UNEDITABLE.has(code)) throw new EditUnsupportedError(`Slack refused the edit: ${code}`);
      throw deliveryError(err);
    }
  }

  private async post(message: OutboundMessage): Promise<SendResult> {
    const channel = message.chatId;
    const threadTs = await this.threadTs(message);
    const text = textOf(message);
    const key = `${this.deps.progressPrefix}:${message.id}`;
    let ts = await this.deps.redis.hget(key, 'text');
    if (!ts && text) {
      ts = await this.deps.api.postMessage({ channel, text: escapeSlack(text), ...(threadTs ? { threadTs } : {}), ...(message.buttons.length ? { blocks: blocks(text, message.buttons) } : {}) });
      await this.remember(key, 'text', ts);
    }
    for (const [i, attachment] of message.attachments.entries()) {
      if (await this.deps.redis.hget(key, `file:${i}`)) continue;
      const file = await this.deps.files.read(attachment);
      if (!file) continue;
      await this.deps.api.uploadFile({ channel, ...(threadTs ? { threadTs } : {}), data: file.data, name: file.name ?? attachment.name ?? attachment.kind });
      await this.remember(key, `file:${i}`, '1');
    }
    return ts ? { platformMessageId: slackMessageId(channel, ts, threadTs) } : {};
  }

  /** The thread of the ticket: where its first customer message was written. */
  private async threadTs(message: OutboundMessage): Promise<string | undefined> {
    if (message.ticketNumber === null) return undefined;
    const first = await this.deps.db.message.findFirst({
      where: { ticket: { number: message.ticketNumber }, authorKind: 'customer', channel: 'slack', platformMessageId: { not: null } },
      orderBy: { seq: 'asc' },
      select: { platformMessageId: true },
    });
    return (first?.platformMessageId && threadOf(first.platformMessageId)) || undefined;
  }

  private async remember(key: string, part: string, value: string): Promise<void> {
    await this.deps.redis.multi().hset(key, part, value).expire(key, PROGRESS_TTL_S).exec();
  }
}

/** The message's text, with links to the files we do not keep (those we keep are uploaded after it). */
function textOf(message: OutboundMessage): string {
  const links = message.attachments.filter((a) => a.url && !storedFileId(a.url)).map((a) => `${a.name ?? a.kind}: ${a.url}`);
  return [message.text, ...links].filter(Boolean).join('\n');
}

/** Slack's answers to chat.update that no retry will change. */
const UNEDITABLE = new Set(['cant_update_message', 'message_not_found', 'edit_window_closed', 'channel_not_found', 'is_archived', 'not_in_channel']);

/** The text, and our buttons under it (Slack shows `text` only in notifications when blocks are given). */
function blocks(text: string, buttons: Button[]): Array<Record<string, unknown>> {
  return [
    { type: 'section', text: { type: 'mrkdwn', text: escapeSlack(text) } },
    {
      type: 'actions',
      elements: buttons.map((b, i) => ({ type: 'button', action_id: `${BUTTON_ACTION}:${i}`, value: b.id, text: { type: 'plain_text', text: b.label.slice(0, 75), emoji: true } })),
    },
  ];
}

/** Slack's error as the delivery worker's: permanent, rate limited, or (anything else) worth a retry. */
function deliveryError(err: unknown): unknown {
  const e = err as { code?: string; data?: { error?: string }; retryAfter?: number; message?: string };
  if (e.code === webApi.ErrorCode.PlatformError && e.data?.error && PERMANENT.has(e.data.error)) {
    return new PermanentDeliveryError(`Slack refused the message: ${e.data.error}`);
  }
  if (e.code === webApi.ErrorCode.RateLimitedError) return new RateLimitedError('Slack rate limit', (e.retryAfter ?? 1) * 1000);
  return err;
}
