-- The next unmet deadline, computed by PostgreSQL: the first-response due time until the first
-- response is made, then the resolution due time. Resolved and closed tickets have none.
ALTER TABLE "Ticket" ADD COLUMN "nextDueAt" TIMESTAMP(3) GENERATED ALWAYS AS (
  CASE
    WHEN "status" IN ('resolved', 'closed') THEN NULL
    WHEN "firstRespondedAt" IS NULL THEN LEAST("firstResponseDueAt", "resolutionDueAt")
    ELSE "resolutionDueAt"
  END
) STORED;

-- CreateIndex
CREATE INDEX "Ticket_status_nextDueAt_idx" ON "Ticket"("status", "nextDueAt");
