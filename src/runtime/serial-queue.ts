/**
 * Runs async tasks one at a time, in call order. ORT sessions must not see overlapping `run` calls
 * (onnxruntime-web rejects them, and overlapping native runs would only contend for the same cores), but
 * the engine may issue a forward while a previous one is still awaiting.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    // A failed task must not poison the queue for the next caller.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
