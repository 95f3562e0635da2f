/** The model of this Worker, loaded once per isolate and shared by every SessionDO in it. */
import { assetsModelSource } from './assets-source';
import { EngineError, isEngineError, loadModel, SUPPORTED_BACKENDS, type LoadModelOptions, type Model } from '../engine';
import { onceRetrying } from '../once';

let load: (() => Promise<Model>) | undefined;

/** BACKEND (wrangler.toml): the forward's runtime; empty or absent: auto (the fused kernel, else onnxruntime-web). */
function backendOf(env: Env): LoadModelOptions['backend'] {
  const value = env.BACKEND || 'auto';
  const backend = SUPPORTED_BACKENDS.find((b) => b === value);
  // The deployment's mistake, not the caller's: model_unavailable, not a 400.
  if (backend === undefined) throw new EngineError('invalid-manifest', `BACKEND "${value}": use one of ${SUPPORTED_BACKENDS.join(', ')}`);
  return backend;
}

export function workerModel(env: Env): Promise<Model> {
  // BASE_VARIANT (wrangler.toml): a precision variant from the manifest; empty or absent: the fp32 base.
  const variant = env.BASE_VARIANT || undefined;
  load ??= onceRetrying(async () => {
    const backend = backendOf(env);
    try {
      return await loadModel(assetsModelSource(env.MODEL), { backend, ...(variant === undefined ? {} : { baseVariant: variant }) });
    } catch (error) {
      // A variant the model lacks is the deployment's mistake, not the caller's: model_unavailable, not a 400.
      if (isEngineError(error, 'invalid-options')) throw new EngineError('invalid-manifest', `BASE_VARIANT: ${error.message}`, { cause: error });
      throw error;
    }
  });
  return load();
}
