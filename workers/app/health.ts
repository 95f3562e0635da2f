/**
 * GET /healthz (liveness: the process answers; never waits for a model or a queue) and GET /readyz
 * (readiness: the model is loaded and the server takes turns; 503 model_unavailable, logged, when not).
 */
import { Hono } from 'hono';
import { ApiError, modelUnavailable } from '../api-error';
import type { AppDeps } from './deps';

function backendOf(loaded: unknown): string | undefined {
  return typeof loaded === 'object' && loaded !== null && 'backend' in loaded && typeof loaded.backend === 'string' ? loaded.backend : undefined;
}

export function healthRoutes(deps: AppDeps) {
  return new Hono()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', async (c) => {
      try {
        const [models, loaded] = await Promise.all([deps.models.list(), deps.ready()]);
        const { active, queued, limits } = deps.admission;
        // The runtime the model's forward runs on (a loaded Model's `backend`), where the entry knows it.
        const backend = backendOf(loaded);
        return c.json({
          status: 'ready',
          models: models.map((m) => m.id),
          ...(backend === undefined ? {} : { backend }),
          turns: { active, queued, max_active: limits.maxActive, max_queued: limits.maxQueued },
        });
      } catch (error) {
        throw error instanceof ApiError && error.status === 503 ? error : modelUnavailable(error);
      }
    });
}
