-- The knowledge base (articles the bot answers with) and the bot turns log
-- (one row per customer message the KB bot acted on, keyed by that message).

-- CreateEnum
CREATE TYPE "KbLang" AS ENUM ('ru', 'en');

-- CreateTable
CREATE TABLE "KbArticle" (
    "id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "lang" "KbLang" NOT NULL,
    "body" TEXT NOT NULL,
    "questions" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "category" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "KbArticle_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BotTurn" (
    "messageId" UUID NOT NULL,
    "ticketId" UUID NOT NULL,
    "action" TEXT NOT NULL,
    "reason" TEXT,
    "articleId" TEXT,
    "confidence" DOUBLE PRECISION,
    "lang" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BotTurn_pkey" PRIMARY KEY ("messageId")
);

-- CreateIndex
CREATE INDEX "KbArticle_lang_updatedAt_idx" ON "KbArticle"("lang", "updatedAt");

-- CreateIndex
CREATE INDEX "BotTurn_ticketId_createdAt_idx" ON "BotTurn"("ticketId", "createdAt");

-- CreateIndex
CREATE INDEX "BotTurn_action_createdAt_idx" ON "BotTurn"("action", "createdAt");

-- AddForeignKey
ALTER TABLE "BotTurn" ADD CONSTRAINT "BotTurn_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BotTurn" ADD CONSTRAINT "BotTurn_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket"("id") ON DELETE CASCADE ON UPDATE CASCADE;
