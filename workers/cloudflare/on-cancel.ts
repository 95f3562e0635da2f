/** `stream` as is, except that cancelling it first runs `hook` (and waits for it). */
export function onCancel<T>(stream: ReadableStream<T>, hook: () => Promise<void>): ReadableStream<T> {
  const reader = stream.getReader();
  return new ReadableStream<T>(
    {
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel(reason) {
        try {
          await hook();
        } finally {
          await reader.cancel(reason);
        }
      },
    },
    { highWaterMark: 0 },
  );
}
