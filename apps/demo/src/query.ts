import { HttpError } from './httpErrors';

/**
 * Reads the query string strictly, like the service reads its inputs: an
 * unknown or repeated parameter is a 400, not silently ignored (a typo such as
 * `?thread=` would otherwise list every thread).
 */
export function readQuery(params: URLSearchParams, allowed: readonly string[]): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = {};
  for (const key of new Set(params.keys())) {
    if (!allowed.includes(key)) {
      throw new HttpError(400, 'INVALID_INPUT', `Unknown query parameter "${key}"${allowed.length > 0 ? `; allowed: ${allowed.join(', ')}` : '; this route takes none'}.`);
    }
    const values = params.getAll(key);
    if (values.length > 1) throw new HttpError(400, 'INVALID_INPUT', `Query parameter "${key}" is given ${values.length} times; give it once.`);
    result[key] = values[0];
  }
  return result;
}

/** A decimal integer from the query string; the service checks the range. */
export function integerParam(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,9}$/.test(value)) throw new HttpError(400, 'INVALID_INPUT', `Invalid ${name}: expected a positive integer, got "${value}".`);
  return Number(value);
}
