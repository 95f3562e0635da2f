/** GET /v1/models, /v1/models/:id, /v1/metrics and /v1/tenant: what a tenant may read about itself and the service. */
import { Hono } from 'hono';
import { ApiError } from '../api-error';
import type { TenantVariables } from '../http/auth';
import { tenantView } from '../tenants/store';
import { metricsView } from '../tenants/usage';
import type { AppDeps } from './deps';
import type { ModelCard } from './model-catalog';

// Models have no meaningful creation time here; a fixed one keeps responses stable across restarts.
const MODEL_CREATED = 1_730_000_000;

const modelObject = (m: ModelCard) => ({
  id: m.id,
  object: 'model',
  created: MODEL_CREATED,
  owned_by: 'cerberus-edge',
  context_length: m.context_length,
});

export function tenantSelfRoutes(deps: AppDeps) {
  return new Hono<{ Variables: TenantVariables }>()
    .get('/models', async (c) => c.json({ object: 'list', data: (await deps.models.list()).map(modelObject) }))
    .get('/models/:id{.+}', async (c) => {
      // Model ids may hold a "/" (org/name): the id is the rest of the path, as OpenAI's fine-tune ids are.
      const id = c.req.param('id');
      const model = (await deps.models.list()).find((m) => m.id === id);
      if (model === undefined) {
        throw new ApiError({ status: 404, code: 'model_not_found', message: `The model "${id}" does not exist; GET /v1/models lists the served ones.`, param: 'model' });
      }
      return c.json(modelObject(model));
    })
    .get('/metrics', async (c) => {
      const tenant = c.get('tenant');
      return c.json(metricsView(tenant.id, await deps.tenants.usage(tenant.id)));
    })
    .get('/tenant', (c) => c.json(tenantView(c.get('tenant'))));
}
