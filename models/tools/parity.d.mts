// Types for parity.mjs (plain ES module so the Python pipeline can run it with node directly).
export interface ParityResult {
  result: Record<string, number>;
  tolerance: number;
}
export function runParity(ort: unknown, dir: string, sessionOptions?: object): Promise<ParityResult>;
export function loadWebOrt(): Promise<typeof import('onnxruntime-web')>;
