/**
 * Bad input, table-driven, across every public method and the factory's
 * options: each case must be refused with a typed error (instanceof
 * StatePersistenceError, the expected `code`) whose message names the
 * problem, and must leave every table's row count unchanged (checked per case
 * and for the whole batch), on PGlite and on PostgreSQL.
 */
import type { PrismaClient } from '@agentstate/db';
import { countAllRows, describeEachDatabase } from '@agentstate/db/testing';
import { createStatePersistence, StatePersistenceError, type StatePersistence, type StatePersistenceErrorCode } from '@agentstate/state-persistence';
import { recordFigure } from './figures/figures';
import { changedTables, describeError, serviceWithLog, settle, unique } from './testing/helpers';

const MB10 = 10 * 1024 * 1024;
const HUGE = 'x'.repeat(MB10);
const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

interface Context {
  prisma: PrismaClient;
  service: StatePersistence;
  /** a seeded user with snapshots, so reads have something to (not) find */
  userId: string;
  snapshotIds: string[];
  /** a valid nextCursor for { userId, threadId: 't', limit: 1 } */
  cursor: string;
}

interface Case {
  method: string;
  name: string;
  call: (ctx: Context) => unknown;
  code: StatePersistenceErrorCode;
  /** the message must name the problem */
  message: RegExp;
}

/** A save that would succeed, to vary one field at a time. */
const good = () => ({ userId: unique('dev-temp-bad-'), threadId: 't', runId: 'r', state: { ok: true } });
const save = (ctx: Context, input: unknown) => ctx.service.saveSnapshot(input as never);
const cycle = (): Record<string, unknown> => {
  const node: Record<string, unknown> = { name: 'loop' };
  node.self = { back: node };
  return node;
};
class AgentMemory {
  constructor(readonly facts: string[]) {}
}

const cases: Case[] = [
  // saveSnapshot: ids
  { method: 'saveSnapshot', name: 'empty userId', call: (c) => save(c, { ...good(), userId: '' }), code: 'INVALID_INPUT', message: /userId.*empty/ },
  { method: 'saveSnapshot', name: '10 MB userId', call: (c) => save(c, { ...good(), userId: `dev-temp-${HUGE}` }), code: 'INVALID_INPUT', message: /userId.*\d{8} characters long, the maximum is 128/ },
  { method: 'saveSnapshot', name: 'Cyrillic look-alike in the prefix (dеv-temp-)', call: (c) => save(c, { ...good(), userId: 'd\u0435v-temp-alice' }), code: 'INVALID_INPUT', message: /userId.*outside the allowed set.*U\+0435/ },
  { method: 'saveSnapshot', name: 'Greek look-alike in the prefix (tesτ-)', call: (c) => save(c, { ...good(), userId: 'tes\u03c4-alice' }), code: 'INVALID_INPUT', message: /userId.*U\+03C4/ },
  { method: 'saveSnapshot', name: 'fullwidth prefix (ｄｅｖ-temp-)', call: (c) => save(c, { ...good(), userId: '\uff44\uff45\uff56-temp-alice' }), code: 'INVALID_INPUT', message: /userId.*U\+FF44/ },
  { method: 'saveSnapshot', name: 'zero-width joiner inside the id', call: (c) => save(c, { ...good(), userId: 'dev-temp-a\u200db' }), code: 'INVALID_INPUT', message: /userId.*U\+200D/ },
  { method: 'saveSnapshot', name: 'NUL in userId', call: (c) => save(c, { ...good(), userId: 'dev-temp-a\u0000b' }), code: 'INVALID_INPUT', message: /userId.*control character.*U\+0000/ },
  { method: 'saveSnapshot', name: 'ANSI escape (ESC) in userId', call: (c) => save(c, { ...good(), userId: 'test-\u001b[31mred' }), code: 'INVALID_INPUT', message: /userId.*control character.*U\+001B/ },
  { method: 'saveSnapshot', name: 'C1 control in userId', call: (c) => save(c, { ...good(), userId: 'test-a\u009b' }), code: 'INVALID_INPUT', message: /userId.*control character.*U\+009B/ },
  { method: 'saveSnapshot', name: 'SQL injection userId', call: (c) => save(c, { ...good(), userId: "dev-temp-x'; DROP TABLE userbase; --" }), code: 'INVALID_INPUT', message: /userId.*whitespace/ },
  { method: 'saveSnapshot', name: 'SQL tautology userId without spaces', call: (c) => save(c, { ...good(), userId: "test-1'OR'1'='1" }), code: 'INVALID_INPUT', message: /userId.*U\+0027/ },
  { method: 'saveSnapshot', name: 'userId is a number', call: (c) => save(c, { ...good(), userId: 42 }), code: 'INVALID_INPUT', message: /userId.*must be a string, got number 42/ },
  { method: 'saveSnapshot', name: 'userId is null', call: (c) => save(c, { ...good(), userId: null }), code: 'INVALID_INPUT', message: /userId.*must be a string, got null/ },
  { method: 'saveSnapshot', name: 'userId is an array', call: (c) => save(c, { ...good(), userId: ['dev-temp-a'] }), code: 'INVALID_INPUT', message: /userId.*must be a string, got array/ },
  { method: 'saveSnapshot', name: 'userId is an object', call: (c) => save(c, { ...good(), userId: { id: 'dev-temp-a' } }), code: 'INVALID_INPUT', message: /userId.*must be a string, got object/ },
  { method: 'saveSnapshot', name: 'userId missing', call: (c) => save(c, { threadId: 't', runId: 'r', state: {} }), code: 'INVALID_INPUT', message: /userId.*must be a string, got undefined/ },
  { method: 'saveSnapshot', name: 'SQL in threadId', call: (c) => save(c, { ...good(), threadId: 't; DELETE FROM agent_state_snapshots' }), code: 'INVALID_INPUT', message: /threadId.*whitespace/ },
  { method: 'saveSnapshot', name: '10 MB threadId', call: (c) => save(c, { ...good(), threadId: HUGE }), code: 'INVALID_INPUT', message: /threadId.*characters long/ },
  { method: 'saveSnapshot', name: 'runId is a number', call: (c) => save(c, { ...good(), runId: 7 }), code: 'INVALID_INPUT', message: /runId.*got number 7/ },
  { method: 'saveSnapshot', name: 'zero-width space in runId', call: (c) => save(c, { ...good(), runId: 'r\u200b' }), code: 'INVALID_INPUT', message: /runId.*U\+200B/ },
  // saveSnapshot: states
  { method: 'saveSnapshot', name: 'function in state', call: (c) => save(c, { ...good(), state: { callback: () => 1 } }), code: 'STATE_NOT_SERIALIZABLE', message: /state\.callback.*function/ },
  { method: 'saveSnapshot', name: 'state is a function', call: (c) => save(c, { ...good(), state: function agent() {} }), code: 'STATE_NOT_SERIALIZABLE', message: /^state cannot be stored: functions/ },
  { method: 'saveSnapshot', name: 'symbol in state', call: (c) => save(c, { ...good(), state: { s: Symbol('x') } }), code: 'STATE_NOT_SERIALIZABLE', message: /state\.s.*symbol/ },
  { method: 'saveSnapshot', name: 'cycle in state', call: (c) => save(c, { ...good(), state: cycle() }), code: 'STATE_NOT_SERIALIZABLE', message: /state\.self\.back.*cycle/ },
  { method: 'saveSnapshot', name: 'NaN in state', call: (c) => save(c, { ...good(), state: { score: NaN } }), code: 'STATE_NOT_SERIALIZABLE', message: /state\.score.*NaN/ },
  { method: 'saveSnapshot', name: 'Infinity in a state array', call: (c) => save(c, { ...good(), state: { xs: [1, Infinity] } }), code: 'STATE_NOT_SERIALIZABLE', message: /state\.xs\[1\].*Infinity/ },
  { method: 'saveSnapshot', name: '-Infinity in state', call: (c) => save(c, { ...good(), state: { min: -Infinity } }), code: 'STATE_NOT_SERIALIZABLE', message: /state\.min.*-Infinity/ },
  { method: 'saveSnapshot', name: 'class instance in state', call: (c) => save(c, { ...good(), state: { memory: new AgentMemory(['a']) } }), code: 'STATE_NOT_SERIALIZABLE', message: /state\.memory.*AgentMemory/ },
  { method: 'saveSnapshot', name: 'NUL inside a state string', call: (c) => save(c, { ...good(), state: { text: 'a\u0000b' } }), code: 'STATE_NOT_SERIALIZABLE', message: /state\.text.*NUL/ },
  { method: 'saveSnapshot', name: 'lone surrogate in a state string', call: (c) => save(c, { ...good(), state: { text: 'a\ud800b' } }), code: 'STATE_NOT_SERIALIZABLE', message: /state\.text.*surrogate/ },
  { method: 'saveSnapshot', name: 'state just over the 1 MiB limit', call: (c) => save(c, { ...good(), state: 'x'.repeat(1024 * 1024) }), code: 'STATE_TOO_LARGE', message: /state is 1048578 bytes.*limit of 1048576 bytes/ },
  { method: 'saveSnapshot', name: '10 MB state string', call: (c) => save(c, { ...good(), state: { blob: HUGE } }), code: 'STATE_TOO_LARGE', message: /state is \d{8} bytes.*over the limit/ },
  { method: 'saveSnapshot', name: 'metadata is an array', call: (c) => save(c, { ...good(), metadata: ['tag'] }), code: 'INVALID_INPUT', message: /metadata.*expected an object, got an array/ },
  { method: 'saveSnapshot', name: 'function in metadata', call: (c) => save(c, { ...good(), metadata: { hook: () => 1 } }), code: 'STATE_NOT_SERIALIZABLE', message: /metadata\.hook.*function/ },
  { method: 'saveSnapshot', name: 'metadata over the 64 KiB limit', call: (c) => save(c, { ...good(), metadata: { notes: 'x'.repeat(70_000) } }), code: 'STATE_TOO_LARGE', message: /metadata is \d+ bytes.*limit of 65536/ },
  // saveSnapshot: lineage, shape
  { method: 'saveSnapshot', name: 'parentId is not a UUID', call: (c) => save(c, { ...good(), parentId: 'latest' }), code: 'INVALID_INPUT', message: /parentId.*"latest" is not a snapshot id/ },
  { method: 'saveSnapshot', name: 'unknown parentId (new dev user: nothing provisioned)', call: (c) => save(c, { ...good(), parentId: UNKNOWN_UUID }), code: 'SNAPSHOT_NOT_FOUND', message: new RegExp(`${UNKNOWN_UUID}.*does not exist`) },
  { method: 'saveSnapshot', name: 'parentId of another user', call: (c) => save(c, { ...good(), parentId: c.snapshotIds[0] }), code: 'SNAPSHOT_NOT_FOUND', message: /does not exist.*same user and thread/ },
  { method: 'saveSnapshot', name: 'expectedParentId is a number', call: (c) => save(c, { ...good(), expectedParentId: 42 }), code: 'INVALID_INPUT', message: /expectedParentId.*the number 42/ },
  { method: 'saveSnapshot', name: 'expectedParentId unknown (thread is empty)', call: (c) => save(c, { ...good(), expectedParentId: UNKNOWN_UUID }), code: 'CONCURRENT_WRITE', message: new RegExp(`expected latest snapshot ${UNKNOWN_UUID}, found \\(none\\)`) },
  { method: 'saveSnapshot', name: 'parentId differs from expectedParentId', call: (c) => save(c, { ...good(), userId: c.userId, expectedParentId: c.snapshotIds[2], parentId: c.snapshotIds[0] }), code: 'INVALID_INPUT', message: /parentId.*expectedParentId/ },
  { method: 'saveSnapshot', name: 'input is a string', call: (c) => save(c, 'save me'), code: 'INVALID_INPUT', message: /saveSnapshot input.*expected an object, got a string/ },
  { method: 'saveSnapshot', name: 'input is null', call: (c) => save(c, null), code: 'INVALID_INPUT', message: /saveSnapshot input.*got null/ },
  { method: 'saveSnapshot', name: 'no argument', call: (c) => (c.service.saveSnapshot as (...args: unknown[]) => unknown)(), code: 'INVALID_INPUT', message: /saveSnapshot input.*undefined/ },
  { method: 'saveSnapshot', name: 'input is an array', call: (c) => save(c, [good()]), code: 'INVALID_INPUT', message: /saveSnapshot input.*got an array/ },
  { method: 'saveSnapshot', name: 'misspelt key (userID)', call: (c) => save(c, { ...good(), userID: 'dev-temp-typo' }), code: 'INVALID_INPUT', message: /unknown option.*"userID"/ },
  // getLatest
  { method: 'getLatest', name: 'no argument', call: (c) => (c.service.getLatest as (...args: unknown[]) => unknown)(), code: 'INVALID_INPUT', message: /getLatest query.*undefined/ },
  { method: 'getLatest', name: 'query is null', call: (c) => c.service.getLatest(null as never), code: 'INVALID_INPUT', message: /getLatest query.*got null/ },
  { method: 'getLatest', name: 'empty userId', call: (c) => c.service.getLatest({ userId: '', threadId: 't' }), code: 'INVALID_INPUT', message: /userId.*empty/ },
  { method: 'getLatest', name: 'Cyrillic look-alike userId (tеst-)', call: (c) => c.service.getLatest({ userId: 't\u0435st-alice', threadId: 't' }), code: 'INVALID_INPUT', message: /userId.*U\+0435/ },
  { method: 'getLatest', name: 'threadId is a number', call: (c) => c.service.getLatest({ userId: c.userId, threadId: 1 as never }), code: 'INVALID_INPUT', message: /threadId.*number 1/ },
  { method: 'getLatest', name: 'NUL in threadId', call: (c) => c.service.getLatest({ userId: c.userId, threadId: 't\u0000' }), code: 'INVALID_INPUT', message: /threadId.*U\+0000/ },
  { method: 'getLatest', name: '10 MB userId', call: (c) => c.service.getLatest({ userId: HUGE, threadId: 't' }), code: 'INVALID_INPUT', message: /userId.*characters long/ },
  { method: 'getLatest', name: 'unknown key', call: (c) => c.service.getLatest({ userId: c.userId, threadId: 't', newest: true } as never), code: 'INVALID_INPUT', message: /unknown option.*"newest"/ },
  // getSnapshot
  { method: 'getSnapshot', name: 'unknown snapshot id', call: (c) => c.service.getSnapshot({ userId: c.userId, id: UNKNOWN_UUID }), code: 'SNAPSHOT_NOT_FOUND', message: new RegExp(`${UNKNOWN_UUID}.*does not exist`) },
  { method: 'getSnapshot', name: "another user's snapshot id", call: (c) => c.service.getSnapshot({ userId: 'test-someone-else', id: c.snapshotIds[0]! }), code: 'SNAPSHOT_NOT_FOUND', message: /does not exist/ },
  { method: 'getSnapshot', name: 'not a UUID', call: (c) => c.service.getSnapshot({ userId: c.userId, id: 'latest' }), code: 'INVALID_INPUT', message: /id.*"latest" is not a snapshot id/ },
  { method: 'getSnapshot', name: 'SQL injection id', call: (c) => c.service.getSnapshot({ userId: c.userId, id: "' OR 1=1 --" }), code: 'INVALID_INPUT', message: /is not a snapshot id/ },
  { method: 'getSnapshot', name: 'UUID with a trailing newline', call: (c) => c.service.getSnapshot({ userId: c.userId, id: `${UNKNOWN_UUID}\n` }), code: 'INVALID_INPUT', message: /is not a snapshot id/ },
  { method: 'getSnapshot', name: 'UUID with fullwidth digits', call: (c) => c.service.getSnapshot({ userId: c.userId, id: '\uff10'.repeat(8) + UNKNOWN_UUID.slice(8) }), code: 'INVALID_INPUT', message: /is not a snapshot id/ },
  { method: 'getSnapshot', name: '10 MB id', call: (c) => c.service.getSnapshot({ userId: c.userId, id: HUGE }), code: 'INVALID_INPUT', message: /is not a snapshot id/ },
  { method: 'getSnapshot', name: 'id is a number', call: (c) => c.service.getSnapshot({ userId: c.userId, id: 42 as never }), code: 'INVALID_INPUT', message: /id.*expected a snapshot id.*number 42/ },
  { method: 'getSnapshot', name: 'bare id without its owner', call: (c) => c.service.getSnapshot(UNKNOWN_UUID as never), code: 'INVALID_INPUT', message: /getSnapshot query.*a string/ },
  { method: 'getSnapshot', name: 'owner missing', call: (c) => c.service.getSnapshot({ id: UNKNOWN_UUID } as never), code: 'INVALID_INPUT', message: /userId.*got undefined/ },
  { method: 'getSnapshot', name: 'no argument', call: (c) => (c.service.getSnapshot as (...args: unknown[]) => unknown)(), code: 'INVALID_INPUT', message: /getSnapshot query.*undefined/ },
  // listSnapshots
  ...([
    ['zero', 0, /limit.*0 is out of range \(1 to 500\)/],
    ['negative', -1, /limit.*-1 is out of range/],
    ['just over the maximum', 501, /limit.*501 is out of range/],
    ['enormous', Number.MAX_SAFE_INTEGER, /limit.*9007199254740991 is out of range/],
    ['1e308', 1e308, /limit.*out of range/],
    ['non-integer', 1.5, /limit.*expected an integer.*1\.5/],
    ['NaN', NaN, /limit.*expected an integer.*NaN/],
    ['Infinity', Infinity, /limit.*expected an integer.*Infinity/],
    ['a numeric string', '10', /limit.*expected an integer.*a string/],
    ['null', null, /limit.*expected an integer.*null/],
  ] as Array<[string, unknown, RegExp]>).map(([name, limit, message]): Case => ({
    method: 'listSnapshots',
    name: `limit ${name}`,
    call: (c) => c.service.listSnapshots({ userId: c.userId, limit: limit as number }),
    code: 'INVALID_INPUT',
    message,
  })),
  { method: 'listSnapshots', name: 'garbage cursor', call: (c) => c.service.listSnapshots({ userId: c.userId, cursor: 'garbage!' }), code: 'INVALID_CURSOR', message: /Invalid cursor: not a cursor issued by listSnapshots/ },
  { method: 'listSnapshots', name: 'cursor reused with other filters', call: (c) => c.service.listSnapshots({ userId: c.userId, threadId: 'other', cursor: c.cursor }), code: 'INVALID_CURSOR', message: /issued for different filters/ },
  { method: 'listSnapshots', name: 'truncated cursor', call: (c) => c.service.listSnapshots({ userId: c.userId, threadId: 't', cursor: c.cursor.slice(0, -4) }), code: 'INVALID_CURSOR', message: /Invalid cursor/ },
  { method: 'listSnapshots', name: 'forged cursor with seq 0', call: (c) => c.service.listSnapshots({ userId: c.userId, cursor: base64url({ v: 1, s: '0', f: 'x' }) }), code: 'INVALID_CURSOR', message: /Invalid cursor/ },
  { method: 'listSnapshots', name: 'forged cursor carrying SQL', call: (c) => c.service.listSnapshots({ userId: c.userId, cursor: base64url({ v: 1, s: '1; DROP TABLE userbase', f: 'x' }) }), code: 'INVALID_CURSOR', message: /Invalid cursor/ },
  { method: 'listSnapshots', name: 'empty-string cursor', call: (c) => c.service.listSnapshots({ userId: c.userId, cursor: '' }), code: 'INVALID_CURSOR', message: /Invalid cursor/ },
  { method: 'listSnapshots', name: '10 MB cursor', call: (c) => c.service.listSnapshots({ userId: c.userId, cursor: HUGE }), code: 'INVALID_CURSOR', message: /Invalid cursor/ },
  { method: 'listSnapshots', name: 'cursor is a number', call: (c) => c.service.listSnapshots({ userId: c.userId, cursor: 123 as never }), code: 'INVALID_CURSOR', message: /Invalid cursor/ },
  { method: 'listSnapshots', name: 'no argument', call: (c) => (c.service.listSnapshots as (...args: unknown[]) => unknown)(), code: 'INVALID_INPUT', message: /listSnapshots query.*undefined/ },
  { method: 'listSnapshots', name: 'userId missing', call: (c) => c.service.listSnapshots({ threadId: 't' } as never), code: 'INVALID_INPUT', message: /userId.*got undefined/ },
  { method: 'listSnapshots', name: 'threadId is null', call: (c) => c.service.listSnapshots({ userId: c.userId, threadId: null as never }), code: 'INVALID_INPUT', message: /threadId.*got null/ },
  // getLineage
  { method: 'getLineage', name: 'unknown snapshot id', call: (c) => c.service.getLineage({ userId: c.userId, id: UNKNOWN_UUID }), code: 'SNAPSHOT_NOT_FOUND', message: new RegExp(`${UNKNOWN_UUID}.*does not exist`) },
  { method: 'getLineage', name: "another user's snapshot id", call: (c) => c.service.getLineage({ userId: 'test-someone-else', id: c.snapshotIds[2]! }), code: 'SNAPSHOT_NOT_FOUND', message: /does not exist/ },
  { method: 'getLineage', name: 'limit zero', call: (c) => c.service.getLineage({ userId: c.userId, id: c.snapshotIds[2]!, limit: 0 }), code: 'INVALID_INPUT', message: /limit.*0 is out of range \(1 to 10000\)/ },
  { method: 'getLineage', name: 'limit negative', call: (c) => c.service.getLineage({ userId: c.userId, id: c.snapshotIds[2]!, limit: -5 }), code: 'INVALID_INPUT', message: /limit.*-5 is out of range/ },
  { method: 'getLineage', name: 'limit enormous', call: (c) => c.service.getLineage({ userId: c.userId, id: c.snapshotIds[2]!, limit: 1e9 }), code: 'INVALID_INPUT', message: /limit.*1000000000 is out of range/ },
  { method: 'getLineage', name: 'limit non-integer', call: (c) => c.service.getLineage({ userId: c.userId, id: c.snapshotIds[2]!, limit: 2.5 }), code: 'INVALID_INPUT', message: /limit.*expected an integer.*2\.5/ },
  { method: 'getLineage', name: 'maxBytes below 1 KiB', call: (c) => c.service.getLineage({ userId: c.userId, id: c.snapshotIds[2]!, maxBytes: 10 }), code: 'INVALID_INPUT', message: /maxBytes.*10 is out of range/ },
  { method: 'getLineage', name: 'query is a string', call: (c) => c.service.getLineage('deep' as never), code: 'INVALID_INPUT', message: /getLineage query.*a string/ },
  { method: 'getLineage', name: 'query is null', call: (c) => c.service.getLineage(null as never), code: 'INVALID_INPUT', message: /getLineage query.*null/ },
  { method: 'getLineage', name: 'unknown option', call: (c) => c.service.getLineage({ userId: c.userId, id: c.snapshotIds[2]!, depth: 3 } as never), code: 'INVALID_INPUT', message: /unknown option.*"depth"/ },
  { method: 'getLineage', name: 'id is null', call: (c) => c.service.getLineage({ userId: c.userId, id: null as never }), code: 'INVALID_INPUT', message: /id.*expected a snapshot id.*null/ },
  // deleteThread
  { method: 'deleteThread', name: 'no argument', call: (c) => (c.service.deleteThread as (...args: unknown[]) => unknown)(), code: 'INVALID_INPUT', message: /deleteThread query.*undefined/ },
  { method: 'deleteThread', name: 'threadId missing', call: (c) => c.service.deleteThread({ userId: c.userId } as never), code: 'INVALID_INPUT', message: /threadId.*got undefined/ },
  { method: 'deleteThread', name: 'empty threadId', call: (c) => c.service.deleteThread({ userId: c.userId, threadId: '' }), code: 'INVALID_INPUT', message: /threadId.*empty/ },
  { method: 'deleteThread', name: 'Cyrillic look-alike userId', call: (c) => c.service.deleteThread({ userId: c.userId.replace('e', '\u0435'), threadId: 't' }), code: 'INVALID_INPUT', message: /userId.*U\+0435/ },
  { method: 'deleteThread', name: 'query is an array', call: (c) => c.service.deleteThread([c.userId, 't'] as never), code: 'INVALID_INPUT', message: /deleteThread query.*an array/ },
  { method: 'deleteThread', name: 'SQL wildcard threadId', call: (c) => c.service.deleteThread({ userId: c.userId, threadId: '%' }), code: 'INVALID_INPUT', message: /threadId.*U\+0025/ },
  // deleteUserData
  { method: 'deleteUserData', name: 'empty userId', call: (c) => c.service.deleteUserData(''), code: 'INVALID_INPUT', message: /userId.*empty/ },
  { method: 'deleteUserData', name: 'userId is a number', call: (c) => c.service.deleteUserData(42 as never), code: 'INVALID_INPUT', message: /userId.*number 42/ },
  { method: 'deleteUserData', name: 'no argument', call: (c) => (c.service.deleteUserData as (...args: unknown[]) => unknown)(), code: 'INVALID_INPUT', message: /userId.*undefined/ },
  { method: 'deleteUserData', name: '10 MB userId', call: (c) => c.service.deleteUserData(HUGE), code: 'INVALID_INPUT', message: /userId.*characters long/ },
  { method: 'deleteUserData', name: 'zero-width joiner in userId', call: (c) => c.service.deleteUserData(`${c.userId}\u200d`), code: 'INVALID_INPUT', message: /userId.*U\+200D/ },
  { method: 'deleteUserData', name: "auditTrail 'purge'", call: (c) => c.service.deleteUserData(c.userId, { auditTrail: 'purge' as never }), code: 'INVALID_INPUT', message: /auditTrail.*expected 'keep' or 'delete'/ },
  { method: 'deleteUserData', name: "options passed as the string 'delete'", call: (c) => c.service.deleteUserData(c.userId, 'delete' as never), code: 'INVALID_INPUT', message: /deleteUserData options.*a string/ },
  { method: 'deleteUserData', name: 'unknown option', call: (c) => c.service.deleteUserData(c.userId, { cascade: true } as never), code: 'INVALID_INPUT', message: /unknown option.*"cascade"/ },
  // pruneSnapshots
  { method: 'pruneSnapshots', name: 'every user without the named opt-in', call: (c) => c.service.pruneSnapshots({ keepLast: 1 }), code: 'INVALID_INPUT', message: /userId.*allUsers: true/ },
  { method: 'pruneSnapshots', name: 'keepLast 0 (delete everything)', call: (c) => c.service.pruneSnapshots({ userId: c.userId, keepLast: 0 }), code: 'INVALID_INPUT', message: /keepLast.*at least 1.*deleteThread/ },
  { method: 'pruneSnapshots', name: 'neither keepLast nor olderThan', call: (c) => c.service.pruneSnapshots({ userId: c.userId }), code: 'INVALID_INPUT', message: /give keepLast, olderThan, or both/ },
  { method: 'pruneSnapshots', name: 'no argument', call: (c) => (c.service.pruneSnapshots as (...args: unknown[]) => unknown)(), code: 'INVALID_INPUT', message: /pruneSnapshots input.*undefined/ },
  { method: 'pruneSnapshots', name: 'keepLast negative', call: (c) => c.service.pruneSnapshots({ keepLast: -1 }), code: 'INVALID_INPUT', message: /keepLast.*-1 is out of range/ },
  { method: 'pruneSnapshots', name: 'keepLast non-integer', call: (c) => c.service.pruneSnapshots({ keepLast: 1.5 }), code: 'INVALID_INPUT', message: /keepLast.*expected an integer.*1\.5/ },
  { method: 'pruneSnapshots', name: 'keepLast Infinity', call: (c) => c.service.pruneSnapshots({ keepLast: Infinity }), code: 'INVALID_INPUT', message: /keepLast.*Infinity/ },
  { method: 'pruneSnapshots', name: 'keepLast enormous', call: (c) => c.service.pruneSnapshots({ keepLast: 1e12 }), code: 'INVALID_INPUT', message: /keepLast.*out of range/ },
  { method: 'pruneSnapshots', name: 'keepLast is a string', call: (c) => c.service.pruneSnapshots({ keepLast: '3' as never }), code: 'INVALID_INPUT', message: /keepLast.*a string/ },
  { method: 'pruneSnapshots', name: 'olderThan is a date string', call: (c) => c.service.pruneSnapshots({ olderThan: '2020-01-01' as never }), code: 'INVALID_INPUT', message: /olderThan.*expected a valid Date, got a string/ },
  { method: 'pruneSnapshots', name: 'olderThan is an invalid Date', call: (c) => c.service.pruneSnapshots({ olderThan: new Date('never') }), code: 'INVALID_INPUT', message: /olderThan.*an invalid Date/ },
  { method: 'pruneSnapshots', name: 'olderThan is a timestamp number', call: (c) => c.service.pruneSnapshots({ olderThan: Date.now() as never }), code: 'INVALID_INPUT', message: /olderThan.*got the number/ },
  { method: 'pruneSnapshots', name: 'threadId without userId', call: (c) => c.service.pruneSnapshots({ keepLast: 1, threadId: 't' }), code: 'INVALID_INPUT', message: /threadId.*needs its userId/ },
  { method: 'pruneSnapshots', name: 'Greek look-alike userId', call: (c) => c.service.pruneSnapshots({ keepLast: 1, userId: 'dev-t\u03b5mp-x' }), code: 'INVALID_INPUT', message: /userId.*U\+03B5/ },
  // createStatePersistence options (documented and clearly wrong values)
  { method: 'createStatePersistence', name: 'no options', call: () => (createStatePersistence as (...args: unknown[]) => unknown)(), code: 'INVALID_INPUT', message: /options.*needs \{ prisma \}/ },
  { method: 'createStatePersistence', name: 'options is null', call: () => createStatePersistence(null as never), code: 'INVALID_INPUT', message: /options.*needs \{ prisma \}/ },
  { method: 'createStatePersistence', name: 'prisma missing', call: () => createStatePersistence({} as never), code: 'INVALID_INPUT', message: /options.*needs \{ prisma \}/ },
  { method: 'createStatePersistence', name: "environment 'prod'", call: (c) => createStatePersistence({ prisma: c.prisma, environment: 'prod' as never }), code: 'INVALID_INPUT', message: /environment.*expected one of development, test, staging, production, unknown/ },
  { method: 'createStatePersistence', name: "environment 'Production' (case variant)", call: (c) => createStatePersistence({ prisma: c.prisma, environment: 'Production' as never }), code: 'INVALID_INPUT', message: /environment.*expected one of/ },
  { method: 'createStatePersistence', name: "environment ' production' (leading space)", call: (c) => createStatePersistence({ prisma: c.prisma, environment: ' production' as never }), code: 'INVALID_INPUT', message: /environment.*expected one of/ },
  { method: 'createStatePersistence', name: 'environment is a number', call: (c) => createStatePersistence({ prisma: c.prisma, environment: 1 as never }), code: 'INVALID_INPUT', message: /environment.*the number 1/ },
  // Factory options that were once accepted silently (a reported bug, now fixed).
  { method: 'createStatePersistence', name: "maxStateBytes 'big'", call: (c) => createStatePersistence({ prisma: c.prisma, environment: 'development', maxStateBytes: 'big' as never }), code: 'INVALID_INPUT', message: /maxStateBytes/ },
  { method: 'createStatePersistence', name: 'maxStateBytes NaN', call: (c) => createStatePersistence({ prisma: c.prisma, environment: 'development', maxStateBytes: NaN }), code: 'INVALID_INPUT', message: /maxStateBytes/ },
  { method: 'createStatePersistence', name: "misspelt option 'enviroment: production'", call: (c) => createStatePersistence({ prisma: c.prisma, enviroment: 'production' } as never), code: 'INVALID_INPUT', message: /enviroment/ },
  { method: 'createStatePersistence', name: 'policy is not a policy', call: (c) => createStatePersistence({ prisma: c.prisma, environment: 'development', policy: {} as never }), code: 'INVALID_INPUT', message: /policy/ },
  { method: 'createStatePersistence', name: 'logger is a string', call: (c) => createStatePersistence({ prisma: c.prisma, environment: 'development', logger: 'console' as never }), code: 'INVALID_INPUT', message: /logger/ },
  { method: 'createStatePersistence', name: 'prisma is a connection string', call: () => createStatePersistence({ prisma: 'postgresql://postgres@127.0.0.1/x' as never, environment: 'development' }), code: 'INVALID_INPUT', message: /prisma/ },
];


describeEachDatabase('bad input is refused with a typed error and changes nothing', (db, kind) => {
  let ctx: Context;
  let batchBefore: Record<string, number>;
  const tried = { cases: 0, typed: 0, rowsChanged: 0 };

  beforeAll(async () => {
    const { prisma } = db();
    const { service } = serviceWithLog(prisma, 'development');
    const userId = unique('dev-temp-seed-');
    const snapshotIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const saved = await service.saveSnapshot({ userId, threadId: 't', runId: 'r', state: { i }, parentId: snapshotIds[i - 1] ?? null });
      if (saved.status !== 'saved') throw new Error('seed save was not saved');
      snapshotIds.push(saved.snapshot.id);
    }
    const page = await service.listSnapshots({ userId, threadId: 't', limit: 1 });
    if (!page.nextCursor) throw new Error('seed: expected a next cursor');
    ctx = { prisma, service, userId, snapshotIds, cursor: page.nextCursor };
    batchBefore = await countAllRows(prisma);
  });

  afterAll(() => {
    recordFigure(__filename, {
      key: `badInput.${kind}`,
      summary: `${tried.cases} bad inputs across 8 methods + options [${kind}]: ${tried.typed} typed errors, ${tried.rowsChanged} row counts changed`,
      values: { ...tried },
    });
  });

  it('covers every public method and the factory options with at least 40 cases', () => {
    const methods = new Set(cases.map((c) => c.method));
    expect([...methods].sort()).toEqual(
      ['createStatePersistence', 'deleteThread', 'deleteUserData', 'getLatest', 'getLineage', 'getSnapshot', 'listSnapshots', 'pruneSnapshots', 'saveSnapshot'].sort(),
    );
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases.map((c) => [`${c.method}: ${c.name}`, c] as const))('%s', async (_title, c) => {
    tried.cases++;
    const before = await countAllRows(ctx.prisma);
    const outcome = await settle(async () => c.call(ctx));
    const after = await countAllRows(ctx.prisma);
    if (JSON.stringify(after) !== JSON.stringify(before)) tried.rowsChanged++;
    expect(changedTables(before, after)).toEqual({});
    if (outcome.ok) throw new Error(`expected a ${c.code} error, but the call succeeded`);
    const error = outcome.error;
    if (!(error instanceof StatePersistenceError)) throw new Error(`expected a StatePersistenceError, got ${describeError(error)}`);
    expect({ code: error.code, message: error.message }).toEqual({ code: c.code, message: expect.stringMatching(c.message) });
    // bounded: a 10 MB input never comes back in full in the message
    expect(error.message.length).toBeLessThan(1000);
    tried.typed++;
  });

  it('the whole batch left every table unchanged', async () => {
    expect(tried.cases).toBe(cases.length);
    expect(changedTables(batchBefore, await countAllRows(ctx.prisma))).toEqual({});
  });
});
