/**
 * db.sql: plain parameterized SQL on the pg pool under Prisma's adapter.
 *
 * Statements marked `prepare: true` go out as named prepared statements
 * (parsed and planned once per connection) until the server shows it cannot
 * keep them: a transaction-mode pooler (PgBouncer before 1.21, most hosted
 * poolers) hands each transaction some server connection, where our name
 * "does not exist" or "already exists". Either error comes before anything
 * runs (Parse or Bind fails, so Execute never happens), so the statement is
 * sent again unnamed, and so is every statement of this client after it.
 * Nothing fails and nothing runs twice; a pooler costs a warning, once.
 *
 * Every named statement stays prepared on each connection that ran it, for
 * the connection's life. Callers name only their fixed statement texts, but a
 * text that varies with the input (a VALUES list per row count, filters per
 * key) would grow the server's memory without bound: past `maxNamedTexts`
 * distinct texts, new texts go unnamed.
 */
import { createHash } from 'node:crypto';
import { types as pgTypes, type Pool } from 'pg';

export interface QueryOptions {
  /**
   * Names the statement after its text, so each connection parses and plans
   * it once and then only binds and executes it. Use it only for a fixed set
   * of statement texts (each name lives as long as the connection).
   */
  prepare?: boolean;
  /**
   * Decodes every column of type `text` as its row arrives (pg's per-query
   * type parser), while the server is still producing the next rows. For
   * statements whose only text-typed columns are the ones to decode (cast
   * others to varchar, or return them as uuid, int8, …). Null stays null.
   */
  parseText?: (text: string) => unknown;
}

/** Plain parameterized SQL on the same connection pool as Prisma ($1, $2, … placeholders). */
export interface SqlRunner {
  query<Row = Record<string, unknown>>(text: string, values: readonly unknown[], options?: QueryOptions): Promise<Row[]>;
}

const TEXT_OID = 25;
const typeParsers = new WeakMap<(text: string) => unknown, { getTypeParser: typeof pgTypes.getTypeParser }>();

/** pg's per-query `types`: `parse` for text columns, pg's own parsers for the rest (one object per function). */
function textParser(parse: (text: string) => unknown) {
  let types = typeParsers.get(parse);
  if (types === undefined) {
    const getTypeParser = ((oid: number, format?: 'text' | 'binary') => (oid === TEXT_OID && format !== 'binary' ? parse : pgTypes.getTypeParser(oid, format))) as typeof pgTypes.getTypeParser;
    types = { getTypeParser };
    typeParsers.set(parse, types);
  }
  return types;
}

/** db.sql as createPrismaClient() opens it. */
export interface PooledSqlRunner extends SqlRunner {
  /** Whether `prepare: true` still sends named statements (false when turned off, or after a pooler showed it cannot keep them). */
  readonly namedStatements: boolean;
}

const NAME_PREFIX = 'agentstate_';

/** Named after the statement text: each connection prepares a given text once, and one name never means two texts. */
export function statementName(text: string): string {
  return `${NAME_PREFIX}${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
}

/**
 * The server lost or already holds one of OUR named statements: SQLSTATE
 * 26000 (invalid_sql_statement_name, "does not exist", from Bind) or 42P05
 * (duplicate_prepared_statement, from Parse). Both fail before execution.
 */
export function lostNamedStatement(error: unknown, name: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (code === '26000' || code === '42P05') && typeof message === 'string' && message.includes(`"${name}"`);
}

export const NAMED_STATEMENTS_OFF_WARNING = 'AGENTSTATE_NAMED_STATEMENTS_OFF';
const MAX_NAMED_TEXTS = 64;

export function createSqlRunner(pool: Pool, options: { namedStatements: boolean; maxNamedTexts?: number }): PooledSqlRunner {
  let named = options.namedStatements;
  const maxNamedTexts = options.maxNamedTexts ?? MAX_NAMED_TEXTS;
  const names = new Map<string, string>(); // text -> name, at most maxNamedTexts
  const unnamed = async <Row>(text: string, values: readonly unknown[], types: ReturnType<typeof textParser> | undefined) =>
    (await pool.query({ text, values: values as unknown[], ...(types ? { types } : {}) })).rows as Row[];
  return {
    get namedStatements() {
      return named;
    },
    async query<Row>(text: string, values: readonly unknown[], queryOptions: QueryOptions = {}) {
      const types = queryOptions.parseText ? textParser(queryOptions.parseText) : undefined;
      if (!named || !queryOptions.prepare) return unnamed<Row>(text, values, types);
      let name = names.get(text);
      if (name === undefined) {
        if (names.size >= maxNamedTexts) return unnamed<Row>(text, values, types);
        name = statementName(text);
        names.set(text, name);
      }
      try {
        return (await pool.query({ name, text, values: values as unknown[], ...(types ? { types } : {}) })).rows as Row[];
      } catch (error) {
        if (!lostNamedStatement(error, name)) throw error;
        if (named) {
          named = false;
          process.emitWarning(
            `named prepared statements turned off for this client: the server ${(error as { code?: unknown }).code === '42P05' ? 'already held' : 'lost'} one (a transaction-mode pooler?); statements go unnamed from now on. Add ?pgbouncer=true to the URL (or preparedStatements: false) to skip this.`,
            { code: NAMED_STATEMENTS_OFF_WARNING },
          );
        }
        return unnamed<Row>(text, values, types);
      }
    },
  };
}
