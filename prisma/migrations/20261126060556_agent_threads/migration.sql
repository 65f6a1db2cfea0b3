-- CreateTable
CREATE TABLE "agent_threads" (
    "user_id" VARCHAR(128) NOT NULL,
    "id" VARCHAR(128) NOT NULL,
    "auto_provisioned" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agent_threads_pkey" PRIMARY KEY ("user_id","id")
);

-- AddForeignKey
ALTER TABLE "agent_threads" ADD CONSTRAINT "agent_threads_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "userbase"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Backfill (data, added by hand to the engine's output): a thread row for every
-- existing (user, thread) pair, so the new foreign key below holds.
INSERT INTO "agent_threads" ("user_id", "id", "auto_provisioned", "created_at")
SELECT "user_id", "thread_id", true, min("created_at") FROM "agent_state_snapshots" GROUP BY "user_id", "thread_id";

-- AddForeignKey
ALTER TABLE "agent_state_snapshots" ADD CONSTRAINT "agent_state_snapshots_user_id_thread_id_fkey" FOREIGN KEY ("user_id", "thread_id") REFERENCES "agent_threads"("user_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;
