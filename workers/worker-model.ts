/** The model of this Worker, loaded once per isolate and shared by every SessionDO in it. */
import { assetsModelSource } from './durable/assets-source';
import { loadModel, type Model } from './engine';

let loading: Promise<Model> | undefined;

export function workerModel(env: Env): Promise<Model> {
  loading ??= loadModel(assetsModelSource(env.MODEL)).catch((error: unknown) => {
    loading = undefined; // a failed load is retried by the next turn instead of failing forever
    throw error;
  });
  return loading;
}
