/**
 * An async generator as a ReadableStream that produces only when read: generation is paced by the
 * client, and a cancelled stream closes the generator (running its `finally`).
 */
export interface PullStreamHooks {
  /** Called first on cancel: lets the generator's current await finish early (abort its generation). */
  readonly onCancel: () => void;
  /** Called once, when the stream ends for any reason (done, error or cancel). */
  readonly onFinish: () => void;
  /**
   * Cancels the stream when nobody has asked for the next value for this long: the consumer is gone
   * even if its cancel never arrived (a proxy in between may swallow it).
   */
  readonly idleTimeoutMs: number;
}

export interface PullStream<T> {
  readonly stream: ReadableStream<T>;
  /**
   * Cancels from the producing side, for when the consumer's cancel cannot reach the stream (Durable
   * Object RPC does not carry it back). Idempotent; a no-op once the stream ended.
   */
  cancel(): Promise<void>;
}

/** `first`: a result already taken from `source` (to look at it before answering); it is delivered first. */
export function pullStream<T>(source: AsyncGenerator<T>, hooks: PullStreamHooks, first?: IteratorResult<T>): PullStream<T> {
  let primed = first;
  let finished = false;
  let idle: ReturnType<typeof setTimeout> | undefined;
  const finish = () => {
    clearTimeout(idle);
    if (finished) return;
    finished = true;
    hooks.onFinish();
  };
  const cancel = async () => {
    if (finished) return;
    hooks.onCancel();
    try {
      await source.return(undefined);
    } finally {
      finish();
    }
  };
  const waitForPull = () => {
    idle = setTimeout(() => void cancel(), hooks.idleTimeoutMs);
  };
  const stream = new ReadableStream<T>(
    {
      async pull(controller) {
        clearTimeout(idle);
        try {
          const next = primed ?? (await source.next());
          primed = undefined;
          if (next.done) {
            finish();
            controller.close();
          } else {
            controller.enqueue(next.value);
            waitForPull();
          }
        } catch (error) {
          finish();
          controller.error(error);
        }
      },
      cancel,
    },
    { highWaterMark: 0 },
  );
  waitForPull();
  return { stream, cancel };
}
