-- Agents' edits of their replies (src/core/agentEdits.ts): an edit's delivery to the customer's platform

-- AlterTable
ALTER TABLE "MessageEdit" ADD COLUMN     "deliveredAt" TIMESTAMP(3),
ADD COLUMN     "deliveryAttempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "deliveryError" TEXT,
ADD COLUMN     "deliveryState" "DeliveryState";

-- CreateIndex
CREATE INDEX "MessageEdit_deliveryState_createdAt_idx" ON "MessageEdit"("deliveryState", "createdAt");
