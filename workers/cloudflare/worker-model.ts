/** The model of this Worker, loaded once per isolate and shared by every SessionDO in it. */
import { assetsModelSource } from './assets-source';
import { loadModel, type Model } from '../engine';
import { onceRetrying } from '../once';

let load: (() => Promise<Model>) | undefined;

export function workerModel(env: Env): Promise<Model> {
  // BASE_VARIANT (wrangler.toml): a precision variant from the manifest; empty or absent: the fp32 base.
  const variant = env.BASE_VARIANT || undefined;
  load ??= onceRetrying(() => loadModel(assetsModelSource(env.MODEL), variant === undefined ? {} : { baseVariant: variant }));
  return load();
}
