-- Slack desk: the card each ticket handed to people gets in the agents channel (DeskThread)

-- CreateTable
CREATE TABLE "DeskThread" (
    "id" UUID NOT NULL,
    "desk" TEXT NOT NULL,
    "ticketId" UUID NOT NULL,
    "chatId" TEXT NOT NULL,
    "threadId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DeskThread_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "DeskThread_desk_ticketId_key" ON "DeskThread"("desk", "ticketId");

-- CreateIndex
CREATE UNIQUE INDEX "DeskThread_desk_chatId_threadId_key" ON "DeskThread"("desk", "chatId", "threadId");

-- AddForeignKey
ALTER TABLE "DeskThread" ADD CONSTRAINT "DeskThread_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket"("id") ON DELETE CASCADE ON UPDATE CASCADE;
