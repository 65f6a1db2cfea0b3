-- AlterTable
ALTER TABLE "agent_state_snapshots" ADD COLUMN     "content_digest" BYTEA;
