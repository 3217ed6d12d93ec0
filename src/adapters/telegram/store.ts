/**
 * What the adapter reads from the database: the customer's open tickets (for /status) and the
 * buttons of a message we sent (to map a hashed button press back to its id). It writes
 * nothing: everything the customer says still goes through the core's pipeline.
 */
import type { Button, TicketStatus } from '../../core/model.js';
import type { Db } from '../../db/prisma.js';

export interface OpenTicket {
  number: number;
  status: TicketStatus;
  subject: string | null;
}

export interface TelegramStore {
  /**
   * Open tickets for /status. In a private chat: the customer's, on every channel. In a group:
   * only the group's own (never a member's private tickets, which the whole group would see).
   */
  openTickets(q: { chatId: string; userId: string; group: boolean }): Promise<OpenTicket[]>;
  /** The buttons of the outbound message delivered as this platform message, if we know it. */
  buttonsOf(platformMessageId: string): Promise<Button[]>;
}

/** At most this many tickets in a /status answer (newest first). */
const STATUS_LIMIT = 10;

export function dbStore(db: Db): TelegramStore {
  return {
    async openTickets({ chatId, userId, group }) {
      const thisChat = { conversation: { channel: 'telegram' as const, externalChatId: chatId } };
      const thisCustomer = { contact: { identities: { some: { channel: 'telegram' as const, externalId: userId } } } };
      return db.ticket.findMany({
        where: { status: { not: 'closed' }, ...(group ? thisChat : { OR: [thisChat, thisCustomer] }) },
        orderBy: { number: 'desc' },
        take: STATUS_LIMIT,
        select: { number: true, status: true, subject: true },
      });
    },
    async buttonsOf(platformMessageId) {
      const row = await db.message.findUnique({
        where: { channel_platformMessageId: { channel: 'telegram', platformMessageId } },
        select: { direction: true, buttons: true },
      });
      return row?.direction === 'outbound' && Array.isArray(row.buttons) ? (row.buttons as unknown as Button[]) : [];
    },
  };
}
