-- CreateIndex
CREATE INDEX "Message_attachments_idx" ON "Message" USING GIN ("attachments" jsonb_path_ops);

-- CreateIndex
CREATE INDEX "StoredFile_createdAt_idx" ON "StoredFile"("createdAt");
