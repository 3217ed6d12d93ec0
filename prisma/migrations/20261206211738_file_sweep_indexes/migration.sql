-- Built CONCURRENTLY: on a large "Message" table a plain CREATE INDEX would hold every write
-- (every message) while it builds. CONCURRENTLY cannot run inside a transaction, so this
-- migration holds this one statement alone.
CREATE INDEX CONCURRENTLY IF NOT EXISTS "Message_attachments_idx" ON "Message" USING GIN ("attachments" jsonb_path_ops);
