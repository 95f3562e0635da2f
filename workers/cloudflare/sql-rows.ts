/** SQLite rows from Durable Object storage, validated rather than cast: a bad row fails loudly here. */
import { z } from 'zod';

export function selectRows<S extends z.ZodType>(
  sql: SqlStorage,
  schema: S,
  query: string,
  ...bindings: SqlStorageValue[]
): z.output<S>[] {
  return sql.exec(query, ...bindings).toArray().map((row) => schema.parse(row));
}

export function selectOne<S extends z.ZodType>(
  sql: SqlStorage,
  schema: S,
  query: string,
  ...bindings: SqlStorageValue[]
): z.output<S> | null {
  const rows = selectRows(sql, schema, query, ...bindings);
  return rows[0] ?? null;
}

/** A TEXT column holding JSON, parsed and then validated by `schema`. */
export function jsonColumn<S extends z.ZodType>(schema: S) {
  return z
    .string()
    .transform((text) => JSON.parse(text) as unknown)
    .pipe(schema);
}
