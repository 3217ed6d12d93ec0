-- Agent-initiated tickets (src/core/outreach.ts): who started a ticket, the customer or an agent

-- CreateEnum
CREATE TYPE "TicketOrigin" AS ENUM ('customer', 'agent');

-- AlterTable
ALTER TABLE "Ticket" ADD COLUMN     "origin" "TicketOrigin" NOT NULL DEFAULT 'customer';
