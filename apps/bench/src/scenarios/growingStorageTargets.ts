/**
 * Issue 22's goals as targets, from the figures the growing-state storage
 * scenario recorded (pure: no database, so unit-testable):
 *
 *  growing-storage-chat-<saves>            chat stored bytes / final state bytes <= 3x, at each mark run
 *  growing-storage-saver-vs-postgressaver-<turns>turns
 *                                          LangGraph MessagesValue chat, our saver's bytes / PostgresSaver's <= 0.1x
 *  growing-save-vs-whole                   steady save at the last mark, growing-state / the same state saved whole <= 0.5x
 *  growing-read-vs-whole                   getLatest at the last mark, growing-state / the same state as one whole row <= 1.2x
 *
 * Stored bytes are one seeded run (they vary only with page fill): a target of
 * one ratio, conclusive by definition. The timings are per-round ratios of an
 * interleaved measurement, like the bench's other targets.
 */
import type { ContenderResult } from '../measure';
import type { TargetResult } from '../results';
import { perRoundRatios } from '../stats';
import { target } from '../targets';
import type { GrowingStorageResult, GrowingTiming } from './growingStorage';

export const GROWING_GOALS = { storage: 3, saver: 0.1, save: 0.5, read: 1.2 } as const;

/** The four contenders of the timed rounds (growingStorage.ts measures them; the targets pair them). */
export const TIMED = { growingSave: 'growing-save', wholeSave: 'whole-save', growingRead: 'growing-latest', wholeRead: 'whole-latest' } as const;

const kb = (bytes: number) => `${Math.round(bytes / 1e3).toLocaleString('en-US')} KB`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;

function timedResult(timing: Pick<GrowingTiming, 'results'>, id: string): ContenderResult {
  const result = timing.results.find((r) => r.id === id);
  if (!result) throw new Error(`growing storage: no timed result ${id}`);
  return result;
}

/** Per round: the growing side's median / the whole side's median, same round. */
export function timedRatios(timing: Pick<GrowingTiming, 'results'>, growing: string, whole: string): number[] {
  return perRoundRatios(timedResult(timing, growing).rounds, timedResult(timing, whole).rounds, (r) => r.medianMs);
}

/** "state 1,024–1,070 KB" when the rounds' states differ in size, else one figure. */
function statesText(timing: GrowingTiming): string {
  const first = kb(timing.firstStateBytes);
  const last = kb(timing.lastStateBytes);
  return first === last ? `state ${first}` : `state ${first.replace(' KB', '')}–${last}`;
}

function timingTargets(timing: GrowingTiming): TargetResult[] {
  const { rounds, opsPerRound } = timing.settings;
  const at = `after ${timing.afterSaves.toLocaleString('en-US')} saves (${statesText(timing)})`;
  const detail = (growing: string, whole: string) =>
    `${rounds} rounds of ${opsPerRound} ops per side, order shuffled per round; all ops: ${timedResult(timing, growing).summary.medianMs} / ${timedResult(timing, whole).summary.medianMs} ms, means ${timedResult(timing, growing).summary.meanMs} / ${timedResult(timing, whole).summary.meanMs} ms`;
  return [
    target(
      'growing-save-vs-whole',
      `steady save of the ${timing.workload} workload ${at}, growing-state vs the same state saved whole (growingState: false, side thread), median ms`,
      timedRatios(timing, TIMED.growingSave, TIMED.wholeSave),
      '<=',
      GROWING_GOALS.save,
      detail(TIMED.growingSave, TIMED.wholeSave),
    ),
    target(
      'growing-read-vs-whole',
      `getLatest of the ${timing.workload} workload ${at}, growing-state vs the same state read from one whole row, median ms`,
      timedRatios(timing, TIMED.growingRead, TIMED.wholeRead),
      '<=',
      GROWING_GOALS.read,
      detail(TIMED.growingRead, TIMED.wholeRead),
    ),
  ];
}

/** The targets of one run's figures; a mark, saver run or timing the run did not make yields none. */
export function growingStorageTargets(result: GrowingStorageResult): TargetResult[] {
  const targets = result.rows
    .filter((r) => r.workload === 'chat' && r.mode === 'growing')
    .map((r) =>
      target(
        `growing-storage-chat-${r.saves}`,
        `chat workload at ${r.saves.toLocaleString('en-US')} saves: stored bytes (every table, TOAST and indexes) / final state JSON bytes, growing-state storage`,
        [r.storedBytes / r.finalStateBytes],
        '<=',
        GROWING_GOALS.storage,
        `one seeded run (stored bytes vary only with page fill): ${mb(r.storedBytes)} stored, final state ${kb(r.finalStateBytes)}`,
      ),
    );
  for (const s of result.savers ?? []) {
    targets.push(
      target(
        `growing-storage-saver-vs-postgressaver-${s.turns}turns`,
        `LangGraph chat with plain MessagesValue, ${s.turns} turns: AgentStateSaver stored bytes / PostgresSaver's (pg_column_size of the thread's rows)`,
        [s.agentStateSaverBytes / s.postgresSaverBytes],
        '<=',
        GROWING_GOALS.saver,
        `one run, ${s.checkpoints} checkpoints: ${mb(s.agentStateSaverBytes)} / ${mb(s.postgresSaverBytes)}`,
      ),
    );
  }
  if (result.timing) targets.push(...timingTargets(result.timing));
  return targets;
}
