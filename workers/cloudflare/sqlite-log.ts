/** ConversationLog on a Durable Object's SQLite: one row per context token, so a turn rewrites only its tail. */
import { z } from 'zod';
import { jsonColumn, selectOne, selectRows } from './sql-rows';
import type { LearnedState } from '../engine';
import { turnRecordSchema, type ConversationLog, type SavedConversation, type TurnRecord } from '../sessions/conversation-log';

const tokenRow = z.object({ token: z.int().nonnegative() });
const gateRow = z.object({ value: jsonColumn(z.unknown()) });
const recordRow = z.object({ record: jsonColumn(turnRecordSchema) });
const lastRow = z.object({ at: z.number().nullable() });

export class SqliteConversationLog implements ConversationLog {
  /** The context as stored, kept after a load or save so a turn reads the table at most once. */
  #tokens: readonly number[] | undefined;

  constructor(private readonly storage: DurableObjectStorage) {}

  /**
   * Idempotent; SessionDO runs it in its constructor under blockConcurrencyWhile. One transaction: each
   * commit is a synchronous fsync on the isolate's thread under local workerd (docs/load.md).
   */
  createSchema(): void {
    this.#tokens = undefined;
    this.storage.transactionSync(() => {
      const sql = this.storage.sql;
      sql.exec('CREATE TABLE IF NOT EXISTS context (pos INTEGER PRIMARY KEY, token INTEGER NOT NULL)');
      sql.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
      // One JSON column per turn record (turnRecordSchema validates it on the way out). `turns`, with a
      // column per field, is what objects created before 2026-12-01 hold; it is left as it is.
      sql.exec(
        'CREATE TABLE IF NOT EXISTS turn_records (n INTEGER PRIMARY KEY AUTOINCREMENT, finished_at INTEGER NOT NULL, record TEXT NOT NULL)',
      );
    });
  }

  load(): SavedConversation {
    const gate = selectOne(this.storage.sql, gateRow, "SELECT value FROM meta WHERE key = 'gate_state'");
    return { tokens: this.#storedTokens(), learnedState: gate?.value ?? null };
  }

  #storedTokens(): readonly number[] {
    this.#tokens ??= selectRows(this.storage.sql, tokenRow, 'SELECT token FROM context ORDER BY pos').map((r) => r.token);
    return this.#tokens;
  }

  saveTurn(tokens: readonly number[], learnedState: LearnedState, turn: TurnRecord): void {
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
        JSON.stringify(learnedState),
      );
      sql.exec('INSERT INTO turn_records (finished_at, record) VALUES (?, ?)', Date.now(), JSON.stringify(record));
    });
    this.#tokens = [...tokens];
  }

  /** When the last turn was saved (ms since the epoch), or null before the first. */
  lastTurnAt(): number | null {
    return selectOne(this.storage.sql, lastRow, 'SELECT MAX(finished_at) AS at FROM turn_records')?.at ?? null;
  }

  turns(): TurnRecord[] {
    return selectRows(this.storage.sql, recordRow, 'SELECT record FROM turn_records ORDER BY n').map((r) => r.record);
  }
}
