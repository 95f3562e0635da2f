/**
 * Lets the runtime read its sockets between decoding steps. A model call that finishes synchronously
 * (onnxruntime-web's wasm in workerd) resolves as a microtask, so a running generation never leaves the
 * current macrotask, and workerd's event loop (kj) polls its sockets only when nothing else is ready:
 * with a few generations running, new requests and requests on kept-alive connections waited seconds,
 * until kj's 5 s keep-alive timer closed those connections under the request (measured under `npm start`;
 * see docs/load.md). A timer, or setImmediate where there is one, ends the macrotask.
 */
const setImmediateFn = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;

export function yieldToIo(): Promise<void> {
  return new Promise((resolve) => {
    if (setImmediateFn !== undefined) setImmediateFn(() => resolve());
    else setTimeout(resolve, 0);
  });
}
