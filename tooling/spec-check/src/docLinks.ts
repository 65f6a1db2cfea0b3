import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** A relative link of a markdown file that does not resolve. */
export interface BrokenLink {
  file: string;
  target: string;
  problem: 'missing file' | 'missing heading';
}

/** The markdown files the docs check reads: the root's, docs/ and every workspace folder's README. */
export function markdownFiles(root: string): string[] {
  const files = ['README.md', 'CHANGELOG.md', 'SPEC/README.md'].filter((f) => existsSync(join(root, f)));
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(root, dir))) {
      const path = join(dir, name);
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (name.endsWith('.md')) files.push(path);
    }
  };
  if (existsSync(join(root, 'docs'))) walk('docs');
  for (const group of ['packages', 'apps', 'tooling']) {
    for (const name of existsSync(join(root, group)) ? readdirSync(join(root, group)) : []) {
      if (existsSync(join(root, group, name, 'README.md'))) files.push(join(group, name, 'README.md'));
    }
  }
  return files;
}

/** The text outside fenced code blocks and inline code, where links are links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Every inline link target (`[text](target)`), in order. */
export function linkTargets(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!);
}

/** The anchors GitHub gives a file's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutFences = markdown.replace(/^```[^\n]*\n[\s\S]*?^```[^\n]*$/gm, '');
  for (const [, text] of withoutFences.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = text!
      .replace(/`/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

const external = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;

/**
 * The relative links of `file` (repo-relative) that point at no file, or at a heading its
 * markdown target does not have. `pending` lists repo-relative pages that may be missing
 * for now (written on another branch).
 */
export function brokenLinks(root: string, file: string, pending: readonly string[] = []): BrokenLink[] {
  const broken: BrokenLink[] = [];
  const markdown = readFileSync(join(root, file), 'utf8');
  for (const target of linkTargets(markdown)) {
    if (external.test(target)) continue;
    const [pathPart = '', anchor] = target.split('#', 2);
    const resolved = pathPart === '' ? join(root, file) : resolve(root, dirname(file), decodeURI(pathPart));
    const repoPath = relative(root, resolved);
    if (!existsSync(resolved)) {
      if (!pending.includes(repoPath)) broken.push({ file, target, problem: 'missing file' });
      continue;
    }
    if (anchor && resolved.endsWith('.md') && !headingAnchors(readFileSync(resolved, 'utf8')).has(anchor)) {
      broken.push({ file, target, problem: 'missing heading' });
    }
  }
  return broken;
}
