import { printableData } from './printable';
import type { DoctorReport, ForeignKeyCheck, OrphanExample } from './types';

/**
 * The full text report: foreign keys, auto-provisioned users, refusals, then
 * the verdict line. Every string of the report is printed escaped (see printable.ts).
 */
export function formatReport(untrusted: DoctorReport): string {
  const report = printableData(untrusted);
  const lines = [`fk:doctor report${report.database ? ` for ${report.database}` : ''} (checked ${report.checkedAt})`, ''];

  lines.push(`Foreign keys (${report.foreignKeys.length})`);
  const fkRows = alignColumns(
    [['state', 'constraint', 'key', 'orphan rows'], ...report.foreignKeys.map((fk) => [fk.state, fk.constraint, keyText(fk), String(fk.orphans.rows)])],
    [3],
  );
  lines.push(`  ${fkRows[0]}`);
  const indent = ' '.repeat(2 + Math.max(...report.foreignKeys.map((fk) => fk.state.length), 'state'.length) + 2);
  report.foreignKeys.forEach((fk, i) => {
    lines.push(`  ${fkRows[i + 1]}`);
    if (fk.foundConstraint !== null && fk.foundConstraint !== fk.constraint) lines.push(`${indent}found as ${fk.foundConstraint}`);
    for (const difference of fk.differences) lines.push(`${indent}found: ${difference}`);
    if (fk.orphans.rows > 0) {
      const more = fk.orphans.keys > fk.orphans.examples.length ? `, … (${fk.orphans.keys} keys in all)` : '';
      lines.push(`${indent}orphans: ${fk.orphans.examples.map(exampleText).join(', ')}${more}`);
    }
  });

  const users = report.autoProvisionedUsers;
  lines.push('', `Auto-provisioned users: ${users.total}`);
  for (const row of alignColumns([users.buckets.map((b) => b.label), users.buckets.map((b) => String(b.count))], users.buckets.map((_, i) => i))) {
    lines.push(`  ${row}`);
  }

  const refusals = report.refusals;
  lines.push('', `Refusals in the last ${refusals.days} days (since ${refusals.since}): ${refusals.total}`);
  if (refusals.byReason.length > 0) {
    const rows = alignColumns([['reason code', 'environment', 'count'], ...refusals.byReason.map((r) => [r.reasonCode, r.environment, String(r.count)])], [2]);
    for (const row of rows) lines.push(`  ${row}`);
  }

  lines.push('', ...growingStateLines(report));

  lines.push('', report.verdict.line);
  return lines.join('\n');
}

/** A few lines for the end of another program's output (e.g. the demo), escaped as formatReport's. */
export function formatSummary(untrusted: DoctorReport): string {
  const report = printableData(untrusted);
  const states = new Map<string, number>();
  for (const fk of report.foreignKeys) states.set(fk.state, (states.get(fk.state) ?? 0) + 1);
  const orphanRows = report.foreignKeys.reduce((sum, fk) => sum + fk.orphans.rows, 0);
  const users = report.autoProvisionedUsers;
  const refusals = report.refusals;
  return [
    report.verdict.line,
    `  foreign keys: ${report.foreignKeys.length} (${[...states].map(([state, n]) => `${n} ${state}`).join(', ')}), orphan rows: ${orphanRows}`,
    `  auto-provisioned users: ${users.total}${users.total > 0 ? ` (${users.buckets.map((b) => `${b.label}: ${b.count}`).join(', ')})` : ''}`,
    `  refusals in the last ${refusals.days} days: ${refusals.total}${refusals.total > 0 ? ` (${topRefusals(report)})` : ''}`,
  ].join('\n');
}

/** The most frequent reasons only: a summary stays a few short lines. */
function topRefusals(report: DoctorReport, shown = 3): string {
  const { byReason } = report.refusals;
  const top = byReason.slice(0, shown).map((r) => `${r.reasonCode} in ${r.environment}: ${r.count}`);
  return [...top, ...(byReason.length > shown ? [`${byReason.length - shown} more`] : [])].join(', ');
}

function growingStateLines(report: DoctorReport): string[] {
  const { unreferencedElements: unreferenced, largestUsers } = report.growingState;
  const lines = ['Growing-state storage'];
  lines.push(
    `  unreferenced elements: ${unreferenced.rows} ${unreferenced.rows === 1 ? 'row' : 'rows'}` +
      (unreferenced.rows > 0 ? ` on ${unreferenced.threads} ${unreferenced.threads === 1 ? 'thread' : 'threads'} (reclaimed by the next prune or collection of the thread)` : ''),
  );
  if (unreferenced.top.length > 0) {
    for (const row of alignColumns([['user id', 'thread id', 'rows'], ...unreferenced.top.map((t) => [t.userId, t.threadId, String(t.rows)])], [2])) lines.push(`    ${row}`);
  }
  lines.push(`  largest users by stored bytes: ${largestUsers.length === 0 ? 'none' : ''}`.trimEnd());
  if (largestUsers.length > 0) {
    const rows = alignColumns(
      [['user id', 'bytes', 'snapshots', 'elements', 'checkpoint blobs'], ...largestUsers.map((u) => [u.userId, String(u.bytes), String(u.snapshotBytes), String(u.elementBytes), String(u.checkpointBlobBytes)])],
      [1, 2, 3, 4],
    );
    for (const row of rows) lines.push(`    ${row}`);
  }
  return lines;
}

function keyText(fk: ForeignKeyCheck): string {
  return `${fk.table}(${fk.columns.join(', ')}) -> ${fk.referencedTable}(${fk.referencedColumns.join(', ')})`;
}

function exampleText(example: OrphanExample): string {
  const key = Object.entries(example.key)
    .map(([column, value]) => `${column}=${value}`)
    .join(' ');
  return `${key} (${example.rows} ${example.rows === 1 ? 'row' : 'rows'})`;
}

/** Pads cells to their column's width; columns in `right` align right. Trailing spaces are trimmed. */
function alignColumns(rows: string[][], right: number[] = []): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (right.includes(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}
