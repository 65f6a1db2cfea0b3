import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import ts from 'typescript';

export interface NamedFile {
  path: string;
}
export interface NamedSymbol {
  name: string;
  file: string;
}

/** Every <file path> and <symbol name file> anywhere in a learning document. */
export function referencesIn(xml: string): { files: NamedFile[]; symbols: NamedSymbol[] } {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', allowBooleanAttributes: true });
  const document = parser.parse(xml, true) as unknown;
  const files: NamedFile[] = [];
  const symbols: NamedSymbol[] = [];
  const walk = (node: unknown, tag: string): void => {
    if (Array.isArray(node)) return node.forEach((item) => walk(item, tag));
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (tag === 'file' && typeof record.path === 'string') files.push({ path: record.path });
    if (tag === 'symbol' && typeof record.name === 'string' && typeof record.file === 'string') symbols.push({ name: record.name, file: record.file });
    for (const [key, value] of Object.entries(record)) walk(value, key);
  };
  walk(document, '');
  return { files, symbols };
}

/** Names declared at the top level of a TypeScript file (functions, classes, consts, types, interfaces). */
export function declaredNames(source: string, fileName: string): Set<string> {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const names = new Set<string>();
  for (const statement of file.statements) {
    if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement)) {
      if (statement.name) names.add(statement.name.text);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) if (ts.isIdentifier(declaration.name)) names.add(declaration.name.text);
    }
  }
  return names;
}

/** What a learning names that does not exist in the repository at `root`. */
export function missingReferences(xml: string, root: string): string[] {
  const { files, symbols } = referencesIn(xml);
  const problems: string[] = [];
  for (const { path } of files) if (!existsSync(join(root, path))) problems.push(`file ${path} does not exist`);
  for (const { name, file } of symbols) {
    const full = join(root, file);
    if (!existsSync(full)) {
      problems.push(`symbol ${name}: file ${file} does not exist`);
      continue;
    }
    if (!declaredNames(readFileSync(full, 'utf8'), full).has(name)) problems.push(`symbol ${name} is not declared in ${file}`);
  }
  return problems;
}
