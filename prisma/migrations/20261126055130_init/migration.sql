-- CreateTable
CREATE TABLE "userbase" (
    "id" VARCHAR(128) NOT NULL,
    "email" VARCHAR(320) NOT NULL,
    "role" VARCHAR(32) NOT NULL DEFAULT 'user',
    "auto_provisioned" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "userbase_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_state_snapshots" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "seq" BIGSERIAL NOT NULL,
    "user_id" VARCHAR(128) NOT NULL,
    "thread_id" VARCHAR(128) NOT NULL,
    "run_id" VARCHAR(128) NOT NULL,
    "parent_id" UUID,
    "state" JSONB NOT NULL,
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agent_state_snapshots_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "user_provisioning_audit" (
    "id" BIGSERIAL NOT NULL,
    "entity" VARCHAR(64) NOT NULL,
    "subject_id" VARCHAR(512) NOT NULL,
    "outcome" VARCHAR(32) NOT NULL,
    "decision" VARCHAR(32) NOT NULL,
    "reason_code" VARCHAR(64) NOT NULL,
    "reason" TEXT NOT NULL,
    "environment" VARCHAR(32) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_provisioning_audit_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "userbase_email_key" ON "userbase"("email");

-- CreateIndex
CREATE UNIQUE INDEX "agent_state_snapshots_seq_key" ON "agent_state_snapshots"("seq");

-- CreateIndex
CREATE INDEX "agent_state_snapshots_user_thread_seq_idx" ON "agent_state_snapshots"("user_id", "thread_id", "seq" DESC);

-- CreateIndex
CREATE INDEX "agent_state_snapshots_user_seq_idx" ON "agent_state_snapshots"("user_id", "seq" DESC);

-- CreateIndex
CREATE INDEX "agent_state_snapshots_user_run_seq_idx" ON "agent_state_snapshots"("user_id", "run_id", "seq" DESC);

-- CreateIndex
CREATE INDEX "agent_state_snapshots_parent_idx" ON "agent_state_snapshots"("parent_id");

-- CreateIndex
CREATE INDEX "agent_state_snapshots_created_at_idx" ON "agent_state_snapshots"("created_at");

-- CreateIndex
CREATE INDEX "user_provisioning_audit_subject_idx" ON "user_provisioning_audit"("subject_id", "created_at");

-- AddForeignKey
ALTER TABLE "agent_state_snapshots" ADD CONSTRAINT "agent_state_snapshots_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "userbase"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_state_snapshots" ADD CONSTRAINT "agent_state_snapshots_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "agent_state_snapshots"("id") ON DELETE SET NULL ON UPDATE CASCADE;
