/** ConversationLog on a Durable Object's SQLite: one row per context token, so a turn rewrites only its tail. */
import { z } from 'zod';
import { jsonColumn, selectOne, selectRows } from './sql-rows';
import type { GateState } from '../engine';
import { turnRecordSchema, type ConversationLog, type SavedConversation, type TurnRecord } from '../sessions/conversation-log';

const tokenRow = z.object({ token: z.int().nonnegative() });
const gateRow = z.object({ value: jsonColumn(z.unknown()) });

export class SqliteConversationLog implements ConversationLog {
  /** The context as stored, kept after a load or save so a turn reads the table at most once. */
  #tokens: readonly number[] | undefined;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** Idempotent; SessionDO runs it in its constructor under blockConcurrencyWhile. */
  createSchema(): void {
    this.#tokens = undefined;
    const sql = this.storage.sql;
    sql.exec('CREATE TABLE IF NOT EXISTS context (pos INTEGER PRIMARY KEY, token INTEGER NOT NULL)');
    sql.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    sql.exec(`CREATE TABLE IF NOT EXISTS turns (
      n INTEGER PRIMARY KEY AUTOINCREMENT, finished_at INTEGER NOT NULL, finish_reason TEXT NOT NULL,
      prompt_tokens INTEGER NOT NULL, cached_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
      steps INTEGER NOT NULL, parallel_steps INTEGER NOT NULL, ar_steps INTEGER NOT NULL,
      zero_accept_steps INTEGER NOT NULL, threshold REAL NOT NULL)`);
  }

  load(): SavedConversation {
    const gate = selectOne(this.storage.sql, gateRow, "SELECT value FROM meta WHERE key = 'gate_state'");
    return { tokens: this.#storedTokens(), gateState: gate?.value ?? null };
  }

  #storedTokens(): readonly number[] {
    this.#tokens ??= selectRows(this.storage.sql, tokenRow, 'SELECT token FROM context ORDER BY pos').map((r) => r.token);
    return this.#tokens;
  }

  saveTurn(tokens: readonly number[], gateState: GateState, turn: TurnRecord): void {
    const record = turnRecordSchema.parse(turn);
    this.storage.transactionSync(() => {
      const sql = this.storage.sql;
      const stored = this.#storedTokens();
      let keep = 0;
      while (keep < stored.length && keep < tokens.length && stored[keep] === tokens[keep]) keep++;
      sql.exec('DELETE FROM context WHERE pos >= ?', keep);
      for (let pos = keep; pos < tokens.length; pos++) sql.exec('INSERT INTO context (pos, token) VALUES (?, ?)', pos, tokens[pos] ?? 0);
      sql.exec(
        "INSERT INTO meta (key, value) VALUES ('gate_state', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        JSON.stringify(gateState),
      );
      sql.exec(
        `INSERT INTO turns (finished_at, finish_reason, prompt_tokens, cached_tokens, completion_tokens, steps,
          parallel_steps, ar_steps, zero_accept_steps, threshold) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        Date.now(),
        record.finish_reason,
        record.prompt_tokens,
        record.cached_tokens,
        record.completion_tokens,
        record.steps,
        record.parallel_steps,
        record.ar_steps,
        record.zero_accept_steps,
        record.threshold,
      );
    });
    this.#tokens = [...tokens];
  }

  turns(): TurnRecord[] {
    return selectRows(
      this.storage.sql,
      turnRecordSchema,
      `SELECT finish_reason, prompt_tokens, cached_tokens, completion_tokens, steps, parallel_steps, ar_steps,
        zero_accept_steps, threshold FROM turns ORDER BY n`,
    );
  }
}
