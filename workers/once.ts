/**
 * A lazy, shared load: the first call starts it, later calls share it. A failed load is forgotten, so the
 * next call retries instead of failing forever (a model file briefly unreadable, say).
 */
export function onceRetrying<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
