-- Reports (src/reports): indexes on the instants the metrics are anchored on, and three counts per
-- ticket that PostgreSQL keeps itself, so that deflection and handoff read a column instead of
-- searching every ticket's messages and bot turns (src/reports/counts.ts rebuilds them).

-- AlterTable
ALTER TABLE "Ticket" ADD COLUMN "humanMessages" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "deflectedTurns" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "handoffTurns" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "Ticket_openedAt_idx" ON "Ticket"("openedAt");

-- CreateIndex
CREATE INDEX "Ticket_firstRespondedAt_idx" ON "Ticket"("firstRespondedAt");

-- CreateIndex
CREATE INDEX "Ticket_resolvedAt_idx" ON "Ticket"("resolvedAt");

-- CreateIndex
CREATE INDEX "Ticket_csatRatedAt_idx" ON "Ticket"("csatRatedAt");

-- "humanMessages": the ticket's messages by a person (agents' replies and internal notes).
-- Row triggers add and subtract one per message, in the transaction that writes the message, so
-- the count is exact whoever writes (the app, a merge moving messages, a bulk load) and
-- concurrent writers never lose an update (each adds to the row as it is under its row lock).
-- The function bodies are E'' strings with \073 for each semicolon: the migration runner splits
-- scripts on every semicolon character (src/db/schemaEngine.ts through @prisma/adapter-pg), which
-- would cut a dollar-quoted PL/pgSQL body apart.
CREATE FUNCTION "report_count_human_message"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF TG_OP IN (''UPDATE'', ''DELETE'') AND OLD."ticketId" IS NOT NULL AND OLD."authorKind" IN (''agent'', ''note'') THEN
    UPDATE "Ticket" SET "humanMessages" = "humanMessages" - 1 WHERE "id" = OLD."ticketId"\073
  END IF\073
  IF TG_OP IN (''INSERT'', ''UPDATE'') AND NEW."ticketId" IS NOT NULL AND NEW."authorKind" IN (''agent'', ''note'') THEN
    UPDATE "Ticket" SET "humanMessages" = "humanMessages" + 1 WHERE "id" = NEW."ticketId"\073
  END IF\073
  RETURN NULL\073
END
';

-- The WHEN clauses keep customers' messages (and delivery-state updates) from calling the function at all.
CREATE TRIGGER "Message_report_count_insert" AFTER INSERT ON "Message"
  FOR EACH ROW WHEN (NEW."ticketId" IS NOT NULL AND NEW."authorKind" IN ('agent', 'note'))
  EXECUTE FUNCTION "report_count_human_message"();
CREATE TRIGGER "Message_report_count_update" AFTER UPDATE OF "ticketId", "authorKind" ON "Message"
  FOR EACH ROW WHEN (OLD."ticketId" IS DISTINCT FROM NEW."ticketId" OR OLD."authorKind" IS DISTINCT FROM NEW."authorKind")
  EXECUTE FUNCTION "report_count_human_message"();
CREATE TRIGGER "Message_report_count_delete" AFTER DELETE ON "Message"
  FOR EACH ROW WHEN (OLD."ticketId" IS NOT NULL AND OLD."authorKind" IN ('agent', 'note'))
  EXECUTE FUNCTION "report_count_human_message"();

-- "deflectedTurns" and "handoffTurns": the ticket's bot turns of those actions, kept the same way.
CREATE FUNCTION "report_count_bot_turn"() RETURNS trigger LANGUAGE plpgsql AS E'
BEGIN
  IF TG_OP IN (''UPDATE'', ''DELETE'') AND OLD."action" IN (''deflected'', ''handoff'') THEN
    UPDATE "Ticket"
       SET "deflectedTurns" = "deflectedTurns" - (OLD."action" = ''deflected'')::int,
           "handoffTurns" = "handoffTurns" - (OLD."action" = ''handoff'')::int
     WHERE "id" = OLD."ticketId"\073
  END IF\073
  IF TG_OP IN (''INSERT'', ''UPDATE'') AND NEW."action" IN (''deflected'', ''handoff'') THEN
    UPDATE "Ticket"
       SET "deflectedTurns" = "deflectedTurns" + (NEW."action" = ''deflected'')::int,
           "handoffTurns" = "handoffTurns" + (NEW."action" = ''handoff'')::int
     WHERE "id" = NEW."ticketId"\073
  END IF\073
  RETURN NULL\073
END
';

CREATE TRIGGER "BotTurn_report_count_insert" AFTER INSERT ON "BotTurn"
  FOR EACH ROW WHEN (NEW."action" IN ('deflected', 'handoff'))
  EXECUTE FUNCTION "report_count_bot_turn"();
CREATE TRIGGER "BotTurn_report_count_update" AFTER UPDATE OF "ticketId", "action" ON "BotTurn"
  FOR EACH ROW WHEN (OLD."ticketId" IS DISTINCT FROM NEW."ticketId" OR OLD."action" IS DISTINCT FROM NEW."action")
  EXECUTE FUNCTION "report_count_bot_turn"();
CREATE TRIGGER "BotTurn_report_count_delete" AFTER DELETE ON "BotTurn"
  FOR EACH ROW WHEN (OLD."action" IN ('deflected', 'handoff'))
  EXECUTE FUNCTION "report_count_bot_turn"();

-- The counts of the tickets already there (the same statement as src/reports/counts.ts).
UPDATE "Ticket" t
   SET "humanMessages" = c."humanMessages", "deflectedTurns" = c."deflectedTurns", "handoffTurns" = c."handoffTurns"
  FROM (
    SELECT t2."id",
           COALESCE(m."n", 0) AS "humanMessages",
           COALESCE(b."deflected", 0) AS "deflectedTurns",
           COALESCE(b."handoff", 0) AS "handoffTurns"
      FROM "Ticket" t2
      LEFT JOIN (SELECT "ticketId", count(*)::int AS "n" FROM "Message" WHERE "authorKind" IN ('agent', 'note') GROUP BY 1) m ON m."ticketId" = t2."id"
      LEFT JOIN (SELECT "ticketId", (count(*) FILTER (WHERE "action" = 'deflected'))::int AS "deflected", (count(*) FILTER (WHERE "action" = 'handoff'))::int AS "handoff"
                   FROM "BotTurn" GROUP BY 1) b ON b."ticketId" = t2."id"
  ) c
 WHERE c."id" = t."id"
   AND (t."humanMessages", t."deflectedTurns", t."handoffTurns") IS DISTINCT FROM (c."humanMessages", c."deflectedTurns", c."handoffTurns");
