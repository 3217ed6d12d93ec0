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
 *
 * The agent editing such a message there (Slack's `message_changed`) edits the reply through
 * AgentEdits, marked as made on the platform: the ticket takes the new text, the earlier one is
 * kept, the desks show it, and nothing is delivered (the customer sees the edit already).
 */
import type { Db } from '../db/prisma.js';
import type { AgentEdits } from './agentEdits.js';
import type { InboundAgentEdit, InboundAgentReply } from './model.js';
import type { TicketService } from './tickets.js';

/**
 * True for an agent's reply written on the customer's platform: recorded as sent without our
 * worker ever sending it (no attempt). It can be edited only there, not from the console or API.
 */
export function writtenOnPlatform(m: { authorKind: string; deliveryState: string | null; deliveryAttempts: number }): boolean {
  return m.authorKind === 'agent' && m.deliveryState === 'sent' && m.deliveryAttempts === 0;
}

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
    private readonly edits?: AgentEdits,
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

  /**
   * Records the agent's edit of a reply they wrote on the platform; false when the message is no
   * such reply (e.g. chatter recorded on no ticket). Refusals (an empty text, another agent's
   * message) are AgentEdits' errors.
   */
  async recordEdit(edit: InboundAgentEdit): Promise<boolean> {
    if (!this.edits) return false;
    const [message, agent] = await Promise.all([
      this.db.message.findFirst({
        where: { channel: edit.channel, platformMessageId: edit.messageId, direction: 'outbound', authorKind: 'agent', conversation: { externalChatId: edit.chatId } },
        select: { id: true },
      }),
      this.db.agent.findUnique({ where: { handle: edit.agent }, select: { id: true, name: true } }),
    ]);
    if (!message || !agent) return false;
    await this.edits.edit({
      messageId: message.id,
      text: edit.text,
      actor: { agentId: agent.id, name: agent.name, admin: false },
      onPlatform: true,
      ...(edit.editedAt ? { editedAt: edit.editedAt } : {}),
    });
    return true;
  }
}
