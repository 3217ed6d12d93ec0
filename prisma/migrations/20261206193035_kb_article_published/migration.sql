-- Knowledge-base drafts (src/kb/from-ticket.ts): a reply saved from a ticket waits unpublished for an admin;
-- existing articles stay published

-- AlterTable
ALTER TABLE "KbArticle" ADD COLUMN     "published" BOOLEAN NOT NULL DEFAULT true;
