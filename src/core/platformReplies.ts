/**
 * Agents' replies written on the customer's own platform, e.g. an agent answering straight in a
 * shared Slack channel (SLACK_CUSTOMER_CHANNELS). The customer already has the message, so it
 * is not sent; but the ticket must know of it as of any agent reply: history, first response,
 * SLA, status, the bot stepping back, desks mirroring it. So it goes through the same
 * TicketService.reply the desks use, marked `delivered`.
 *
 * Which ticket: the chat's conversation's ticket that is not closed, the one a customer's
 * message there would join (src/core/inbound.ts). With none, the agent is not answering a
 * ticket (chatter in the channel): nothing is recorded, and no ticket is opened for it.
 */
import type { Db } from '../db/prisma.js';
import type { InboundAgentReply } from './model.js';
import type { TicketService } from './tickets.js';

export interface PlatformReplyResult {
  ticketNumber: number;
  messageId: string;
  /** True when this platform message was already recorded: nothing new happened. */
  duplicate: boolean;
}

export class PlatformReplies {
  constructor(
    private readonly db: Db,
    private readonly tickets: TicketService,
  ) {}

  /** Records the reply on the chat's open ticket; null when the chat has none. Idempotent per (channel, messageId). */
  async record(reply: InboundAgentReply): Promise<PlatformReplyResult | null> {
    const ticket = await this.db.ticket.findFirst({
      where: { conversation: { channel: reply.channel, externalChatId: reply.chatId }, status: { not: 'closed' } },
      select: { number: true },
    });
    if (!ticket) return null;
    const { messageId, duplicate } = await this.tickets.reply(ticket.number, {
      text: reply.text,
      agent: reply.agent,
      ...(reply.attachments?.length ? { attachments: reply.attachments } : {}),
      delivered: { platformMessageId: reply.messageId, sentAt: reply.sentAt ?? new Date() },
    });
    return { ticketNumber: ticket.number, messageId, duplicate: duplicate ?? false };
  }
}
