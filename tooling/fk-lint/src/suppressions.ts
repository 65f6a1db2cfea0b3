import ts from 'typescript';

/** Above a line: `// fk-lint-disable-next-line -- why` (the reason is for reviewers, not parsed). */
export const DISABLE_NEXT_LINE = 'fk-lint-disable-next-line';
/** At the end of a line: `userId, // fk-lint-disable-line -- why` */
export const DISABLE_LINE = 'fk-lint-disable-line';

/**
 * 1-based lines on which findings are silenced by directive comments. Comments are taken
 * from the compiler's trivia around every node, so text inside strings, templates or regex
 * literals that merely looks like a comment never counts.
 */
export function suppressedLines(sourceFile: ts.SourceFile): Set<number> {
  const text = sourceFile.text;
  const lines = new Set<number>();
  const seen = new Set<number>();
  const record = (ranges: ts.CommentRange[] | undefined): void => {
    for (const range of ranges ?? []) {
      if (seen.has(range.pos)) continue;
      seen.add(range.pos);
      const directive = directiveOf(text.slice(range.pos, range.end), range.kind);
      if (directive === undefined) continue;
      if (directive === DISABLE_NEXT_LINE) lines.add(lineOf(sourceFile, range.end) + 1);
      else lines.add(lineOf(sourceFile, range.pos));
    }
  };
  const visit = (node: ts.Node): void => {
    // The compiler splits trivia at the first newline: comments before it trail the previous
    // token, comments after it lead the next one. Ask for both at each node boundary.
    record(ts.getLeadingCommentRanges(text, node.getFullStart()));
    record(ts.getTrailingCommentRanges(text, node.getFullStart()));
    record(ts.getTrailingCommentRanges(text, node.getEnd()));
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  // Trivia before end of file (e.g. a directive on the last line) belongs to no node.
  record(ts.getLeadingCommentRanges(text, sourceFile.endOfFileToken.getFullStart()));
  return lines;
}

function directiveOf(comment: string, kind: ts.CommentKind): string | undefined {
  const body = (kind === ts.SyntaxKind.SingleLineCommentTrivia ? comment.slice(2) : comment.slice(2, -2)).trim();
  for (const directive of [DISABLE_NEXT_LINE, DISABLE_LINE]) {
    if (body === directive || body.startsWith(`${directive} `)) return directive;
  }
  return undefined;
}

function lineOf(sourceFile: ts.SourceFile, pos: number): number {
  return sourceFile.getLineAndCharacterOfPosition(pos).line + 1;
}
