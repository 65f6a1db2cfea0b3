// The closing "Tests:" line of `pnpm test` (see run.mjs), kept apart so it can be checked on its own.

/**
 * Adds one output line's test counts to `totals`, if it is a summary line:
 * Jest's "Tests:       3 failed, 2 skipped, 30 passed, 35 total" or vitest's
 * "      Tests  2 failed | 1455 passed | 3 skipped (1460)" (@agentstate/langgraph
 * runs LangGraph's conformance suite under vitest). Colours and turbo's
 * "<package>:test: " prefix are ignored.
 */
export function addTestCounts(line, totals) {
  // eslint-disable-next-line no-control-regex
  const plain = line.replace(/\u001b\[[0-9;]*m/g, '');
  const jest = /Tests:\s+(.*\d+ total)/.exec(plain);
  const vitest = jest ? null : /\bTests\s+(\d+ \w+(?: \| \d+ \w+)*) \(\d+\)\s*$/.exec(plain);
  const counts = jest?.[1] ?? vitest?.[1];
  if (!counts) return;
  for (const kind of Object.keys(totals)) {
    const count = new RegExp(`(\\d+) ${kind}`).exec(counts);
    if (count) totals[kind] += Number(count[1]);
  }
}
