import ts from 'typescript';

export interface SourceText {
  /** absolute path (or any unique name in tests) */
  readonly fileName: string;
  readonly text: string;
}

export interface ParsedSources {
  readonly sourceFiles: readonly ts.SourceFile[];
  readonly checker: ts.TypeChecker;
}

// No lib, no module resolution, no @types: the program exists only so the checker can bind
// names inside each file (which `const` an identifier means). Nothing outside the given
// texts is read, so a file's imports, tsconfig or a missing `pnpm install` cannot change
// or slow the result.
const OPTIONS: ts.CompilerOptions = {
  noLib: true,
  noResolve: true,
  types: [],
  noEmit: true,
  allowJs: false,
  target: ts.ScriptTarget.Latest,
  jsx: ts.JsxEmit.Preserve,
};

/** Parses the given texts into ASTs (kind from the extension: .ts/.tsx/.mts/.cts) plus a checker. */
export function parseSources(sources: readonly SourceText[]): ParsedSources {
  const byName = new Map<string, ts.SourceFile>();
  for (const { fileName, text } of sources) {
    const name = toSlashes(fileName);
    byName.set(name, ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true));
  }
  const host: ts.CompilerHost = {
    getSourceFile: (name) => byName.get(toSlashes(name)),
    getDefaultLibFileName: () => 'lib.d.ts',
    writeFile: () => undefined,
    getCurrentDirectory: () => '/',
    getCanonicalFileName: (name) => name,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
    fileExists: (name) => byName.has(toSlashes(name)),
    readFile: () => undefined,
  };
  const program = ts.createProgram({ rootNames: [...byName.keys()], options: OPTIONS, host });
  return { sourceFiles: [...byName.values()], checker: program.getTypeChecker() };
}

// The compiler names files with forward slashes on every platform; key the map the same way.
function toSlashes(fileName: string): string {
  return fileName.split('\\').join('/');
}
