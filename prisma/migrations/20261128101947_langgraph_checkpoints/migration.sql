-- CreateTable
CREATE TABLE "agent_checkpoints" (
    "user_id" VARCHAR(128) NOT NULL,
    "thread_id" VARCHAR(128) NOT NULL,
    "checkpoint_ns" TEXT NOT NULL DEFAULT '',
    "checkpoint_id" TEXT NOT NULL,
    "parent_checkpoint_id" TEXT,
    "checkpoint" JSONB NOT NULL,
    "metadata_type" VARCHAR(32) NOT NULL,
    "metadata" BYTEA NOT NULL,
    "metadata_json" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agent_checkpoints_pkey" PRIMARY KEY ("user_id","thread_id","checkpoint_ns","checkpoint_id")
);

-- CreateTable
CREATE TABLE "agent_checkpoint_blobs" (
    "user_id" VARCHAR(128) NOT NULL,
    "thread_id" VARCHAR(128) NOT NULL,
    "checkpoint_ns" TEXT NOT NULL DEFAULT '',
    "channel" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "type" VARCHAR(32) NOT NULL,
    "blob" BYTEA,

    CONSTRAINT "agent_checkpoint_blobs_pkey" PRIMARY KEY ("user_id","thread_id","checkpoint_ns","channel","version")
);

-- CreateTable
CREATE TABLE "agent_checkpoint_writes" (
    "user_id" VARCHAR(128) NOT NULL,
    "thread_id" VARCHAR(128) NOT NULL,
    "checkpoint_ns" TEXT NOT NULL DEFAULT '',
    "checkpoint_id" TEXT NOT NULL,
    "task_id" TEXT NOT NULL,
    "idx" INTEGER NOT NULL,
    "channel" TEXT NOT NULL,
    "type" VARCHAR(32) NOT NULL,
    "blob" BYTEA NOT NULL,
    "task_path" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "agent_checkpoint_writes_pkey" PRIMARY KEY ("user_id","thread_id","checkpoint_ns","checkpoint_id","task_id","idx")
);

-- CreateIndex
CREATE INDEX "agent_checkpoints_user_checkpoint_idx" ON "agent_checkpoints"("user_id", "checkpoint_id" DESC);

-- AddForeignKey
ALTER TABLE "agent_checkpoints" ADD CONSTRAINT "agent_checkpoints_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "userbase"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_checkpoints" ADD CONSTRAINT "agent_checkpoints_user_id_thread_id_fkey" FOREIGN KEY ("user_id", "thread_id") REFERENCES "agent_threads"("user_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_checkpoint_blobs" ADD CONSTRAINT "agent_checkpoint_blobs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "userbase"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_checkpoint_blobs" ADD CONSTRAINT "agent_checkpoint_blobs_user_id_thread_id_fkey" FOREIGN KEY ("user_id", "thread_id") REFERENCES "agent_threads"("user_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_checkpoint_writes" ADD CONSTRAINT "agent_checkpoint_writes_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "userbase"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_checkpoint_writes" ADD CONSTRAINT "agent_checkpoint_writes_user_id_thread_id_fkey" FOREIGN KEY ("user_id", "thread_id") REFERENCES "agent_threads"("user_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;
