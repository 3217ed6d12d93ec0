-- AlterTable
ALTER TABLE "Ticket" ADD COLUMN     "handedOffAt" TIMESTAMP(3);

-- Tickets the bot had before this column: people got them at their first handoff (the bot's own,
-- or botActive set to false), provided the bot had taken a turn in the ticket by then.
UPDATE "Ticket" t
SET "handedOffAt" = h."at"
FROM (
  SELECT e."ticketId", min(e."createdAt") AS "at"
  FROM "TicketEvent" e
  WHERE e."type" = 'bot.handoff' OR (e."type" = 'botActive_changed' AND e."data"->>'to' = 'false')
  GROUP BY e."ticketId"
) h
WHERE h."ticketId" = t."id"
  AND EXISTS (SELECT 1 FROM "BotTurn" b WHERE b."ticketId" = t."id" AND b."createdAt" <= h."at");
