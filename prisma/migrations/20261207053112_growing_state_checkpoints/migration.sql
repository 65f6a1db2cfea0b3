-- AlterTable
ALTER TABLE "agent_checkpoint_blobs" ADD COLUMN     "layout" JSONB;
