import { isAbsolute, relative, sep } from 'node:path';
import { ConfigError } from './errors';

export type PathMatcher = (repoPath: string) => boolean;

/** Repo-relative path with `/` separators: the form allow-list and exclude patterns use. */
export function toRepoPath(root: string, file: string): string {
  return relative(root, file).split(sep).join('/');
}

/**
 * A pattern is a glob when it contains `*`, `?`, `[` or `{` (matched against the whole
 * repo-relative path; `**` spans folders); otherwise it names a folder or file, and matches
 * it and everything below it. Absolute patterns are made relative to `root`.
 */
export function compileMatcher(pattern: string, root: string): PathMatcher {
  if (pattern.trim() === '') throw new ConfigError('empty path pattern (use "." to mean the whole repo)');
  let normalized = pattern.split('\\').join('/');
  if (isAbsolute(pattern)) normalized = toRepoPath(root, pattern);
  while (normalized.startsWith('./')) normalized = normalized.slice(2);
  if (/[*?[{]/.test(normalized)) {
    const re = globToRegExp(normalized);
    return (repoPath) => re.test(repoPath);
  }
  const prefix = normalized.replace(/\/+$/, '');
  if (prefix === '' || prefix === '.') return () => true;
  return (repoPath) => repoPath === prefix || repoPath.startsWith(`${prefix}/`);
}

export function anyMatcher(patterns: readonly string[], root: string): PathMatcher {
  const matchers = patterns.map((p) => compileMatcher(p, root));
  return (repoPath) => matchers.some((m) => m(repoPath));
}

/** Minimal glob: `**`, `*`, `?`, `[...]`, `{a,b}`. Enough for allow-lists; no extglobs. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charAt(i);
    if (c === '*') {
      if (glob.charAt(i + 1) === '*') {
        const atSegmentStart = i === 0 || glob.charAt(i - 1) === '/';
        if (atSegmentStart && glob.charAt(i + 2) === '/') {
          out += '(?:.*/)?'; // `**/` also matches zero folders
          i += 2;
        } else {
          out += '.*';
          i += 1;
        }
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) {
        out += '\\[';
      } else {
        const body = glob.slice(i + 1, end);
        out += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) {
      out += '|';
    } else {
      out += c.replace(/[.+^$()|\\\]}]/g, '\\$&');
    }
  }
  return new RegExp(`^${out}$`);
}
