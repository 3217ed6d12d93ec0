-- A message can point at the earlier message it answers (a customer quoting a message)

-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "replyToId" UUID;

-- AddForeignKey
ALTER TABLE "Message" ADD CONSTRAINT "Message_replyToId_fkey" FOREIGN KEY ("replyToId") REFERENCES "Message"("id") ON DELETE SET NULL ON UPDATE CASCADE;
