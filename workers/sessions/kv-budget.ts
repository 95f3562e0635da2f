/**
 * A memory budget for the KV caches of one process or isolate. Each conversation reports what its cache
 * holds; past the budget the least recently used idle caches are dropped. A dropped cache costs only time:
 * the next turn of that conversation rebuilds it from the log (a prefill of the logged tokens).
 */
export interface BudgetEntry {
  readonly bytes: number;
  /** True while a turn runs: its cache is in use and is not dropped. */
  readonly busy: () => boolean;
  readonly drop: () => void;
}

export class KvBudget {
  // Map iteration order is insertion order: re-inserting on use keeps the least recent first.
  readonly #entries = new Map<object, BudgetEntry>();
  #total = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes the reported caches hold. */
  get bytes(): number {
    return this.#total;
  }

  get caches(): number {
    return this.#entries.size;
  }

  /** Records that `owner`'s cache holds `entry.bytes` now and was just used, then enforces the budget. */
  use(owner: object, entry: BudgetEntry): void {
    this.forget(owner);
    this.#entries.set(owner, entry);
    this.#total += entry.bytes;
    this.#enforce(owner);
  }

  forget(owner: object): void {
    const entry = this.#entries.get(owner);
    if (entry === undefined) return;
    this.#entries.delete(owner);
    this.#total -= entry.bytes;
  }

  #enforce(keep: object): void {
    for (const [owner, entry] of this.#entries) {
      if (this.#total <= this.maxBytes) return;
      if (owner === keep || entry.busy()) continue;
      this.forget(owner);
      entry.drop();
    }
  }
}

const MB = 2 ** 20;

/** Reads a budget in MB from configuration; unset or invalid gives the default. */
export function budgetFromMb(value: string | undefined, defaultMb: number): KvBudget {
  const mb = Number(value);
  return new KvBudget((Number.isFinite(mb) && mb > 0 ? mb : defaultMb) * MB);
}
