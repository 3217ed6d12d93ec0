-- Messenger channels: customers edit messages (Message.editedAt and the MessageEdit history),
-- and the files they send are kept in PostgreSQL (StoredFile), so any instance can serve them.

-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "editedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "MessageEdit" (
    "id" UUID NOT NULL,
    "messageId" UUID NOT NULL,
    "previousText" TEXT NOT NULL,
    "editedAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MessageEdit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StoredFile" (
    "id" UUID NOT NULL,
    "sha256" TEXT NOT NULL,
    "mimeType" TEXT NOT NULL,
    "name" TEXT,
    "size" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "StoredFile_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "MessageEdit_messageId_editedAt_idx" ON "MessageEdit"("messageId", "editedAt");

-- AddForeignKey
ALTER TABLE "MessageEdit" ADD CONSTRAINT "MessageEdit_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Files are served in chunks with substring(). EXTERNAL storage keeps the bytes uncompressed in
-- TOAST, so reading a chunk fetches only that part instead of decompressing the whole value
-- (photos and videos are compressed already, so little space is lost).
ALTER TABLE "StoredFile" ALTER COLUMN "data" SET STORAGE EXTERNAL;
