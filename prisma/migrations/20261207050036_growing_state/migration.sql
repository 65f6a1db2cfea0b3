-- AlterTable
ALTER TABLE "agent_state_snapshots" ADD COLUMN     "layout" JSONB,
ALTER COLUMN "state" DROP NOT NULL;

-- CreateTable
CREATE TABLE "agent_state_elements" (
    "user_id" VARCHAR(128) NOT NULL,
    "thread_id" VARCHAR(128) NOT NULL,
    "seq" BIGINT NOT NULL,
    "body" TEXT NOT NULL,

    CONSTRAINT "agent_state_elements_pkey" PRIMARY KEY ("user_id","thread_id","seq")
);

-- CreateTable
CREATE TABLE "agent_state_element_logs" (
    "user_id" VARCHAR(128) NOT NULL,
    "thread_id" VARCHAR(128) NOT NULL,
    "epoch" BIGSERIAL NOT NULL,
    "last_seq" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "agent_state_element_logs_pkey" PRIMARY KEY ("user_id","thread_id")
);

-- AddForeignKey
ALTER TABLE "agent_state_elements" ADD CONSTRAINT "agent_state_elements_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "userbase"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_state_elements" ADD CONSTRAINT "agent_state_elements_user_id_thread_id_fkey" FOREIGN KEY ("user_id", "thread_id") REFERENCES "agent_threads"("user_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_state_element_logs" ADD CONSTRAINT "agent_state_element_logs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "userbase"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_state_element_logs" ADD CONSTRAINT "agent_state_element_logs_user_id_thread_id_fkey" FOREIGN KEY ("user_id", "thread_id") REFERENCES "agent_threads"("user_id", "id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written (Prisma's schema has no functions, so its engine generates nothing for this and
-- the drift test is unaffected): the supported way to read a snapshot's state in SQL whether it
-- is stored whole (`state`) or as a layout over agent_state_elements (growing-state storage).
-- The service builds the same expression inline (stateTextColumn in @agentstate/write-path);
-- a test checks that both agree.
--   SELECT agent_state_snapshot_state(s.user_id, s.thread_id, s.state, s.layout) FROM agent_state_snapshots s
CREATE FUNCTION "agent_state_snapshot_state_text"(p_user_id text, p_thread_id text, p_state jsonb, p_layout jsonb)
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_layout IS NULL THEN p_state::text ELSE (
    SELECT string_agg(CASE WHEN jsonb_typeof(part.v) = 'string' THEN part.v #>> '{}' ELSE coalesce((
      SELECT string_agg(e.body, ',' ORDER BY e.seq) FROM agent_state_elements e
      WHERE e.user_id = p_user_id AND e.thread_id = p_thread_id AND e.seq BETWEEN (part.v->>0)::bigint AND (part.v->>1)::bigint), '') END, '' ORDER BY part.i)
    FROM jsonb_array_elements(p_layout) WITH ORDINALITY part(v, i)) END
$$;

CREATE FUNCTION "agent_state_snapshot_state"(p_user_id text, p_thread_id text, p_state jsonb, p_layout jsonb)
RETURNS jsonb LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN p_layout IS NULL THEN p_state ELSE agent_state_snapshot_state_text(p_user_id, p_thread_id, p_state, p_layout)::jsonb END
$$;
