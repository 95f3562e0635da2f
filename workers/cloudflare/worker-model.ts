/** The model of this Worker, loaded once per isolate and shared by every SessionDO in it. */
import { assetsModelSource } from './assets-source';
import { loadModel, type Model } from '../engine';
import { onceRetrying } from '../once';

let load: (() => Promise<Model>) | undefined;

export function workerModel(env: Env): Promise<Model> {
  load ??= onceRetrying(() => loadModel(assetsModelSource(env.MODEL)));
  return load();
}
