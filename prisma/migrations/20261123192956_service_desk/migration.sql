-- AlterTable
ALTER TABLE "Ticket" ADD COLUMN     "assignedAt" TIMESTAMP(3),
ADD COLUMN     "busyNotifiedAt" TIMESTAMP(3),
ADD COLUMN     "csatRatedAt" TIMESTAMP(3),
ADD COLUMN     "csatRequestedAt" TIMESTAMP(3),
ADD COLUMN     "lastAgentReplyAt" TIMESTAMP(3),
ADD COLUMN     "lastCustomerMessageAt" TIMESTAMP(3),
ADD COLUMN     "mergedIntoId" UUID,
ADD COLUMN     "overdue" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "slaBreachedAt" TIMESTAMP(3),
ADD COLUMN     "slaPolicy" TEXT,
ADD COLUMN     "slaWarnedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Agent" ADD COLUMN     "active" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "lastAssignedAt" TIMESTAMP(3),
ADD COLUMN     "skills" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "Team" ADD COLUMN     "strategy" TEXT NOT NULL DEFAULT 'round-robin';

-- CreateTable
CREATE TABLE "AgentAbsence" (
    "id" UUID NOT NULL,
    "agentId" UUID NOT NULL,
    "from" TIMESTAMP(3) NOT NULL,
    "to" TIMESTAMP(3) NOT NULL,
    "reason" TEXT,

    CONSTRAINT "AgentAbsence_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeskConfigVersion" (
    "version" SERIAL NOT NULL,
    "yaml" TEXT NOT NULL,
    "author" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeskConfigVersion_pkey" PRIMARY KEY ("version")
);

-- CreateTable
CREATE TABLE "SavedView" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "filters" JSONB NOT NULL DEFAULT '{}',
    "sort" TEXT NOT NULL DEFAULT 'priority',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SavedView_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeskMessage" (
    "desk" TEXT NOT NULL,
    "chatId" TEXT NOT NULL,
    "messageId" TEXT NOT NULL,
    "ticketId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeskMessage_pkey" PRIMARY KEY ("desk","chatId","messageId")
);

-- CreateIndex
CREATE INDEX "AgentAbsence_agentId_to_idx" ON "AgentAbsence"("agentId", "to");

-- CreateIndex
CREATE UNIQUE INDEX "SavedView_name_key" ON "SavedView"("name");

-- CreateIndex
CREATE INDEX "DeskMessage_ticketId_idx" ON "DeskMessage"("ticketId");

-- CreateIndex
CREATE INDEX "Ticket_status_overdue_idx" ON "Ticket"("status", "overdue");

-- AddForeignKey
ALTER TABLE "Ticket" ADD CONSTRAINT "Ticket_mergedIntoId_fkey" FOREIGN KEY ("mergedIntoId") REFERENCES "Ticket"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AgentAbsence" ADD CONSTRAINT "AgentAbsence_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeskMessage" ADD CONSTRAINT "DeskMessage_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket"("id") ON DELETE CASCADE ON UPDATE CASCADE;
