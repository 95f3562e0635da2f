/** GET /v1/models, /v1/metrics and /v1/tenant: what a tenant may read about itself and the service. */
import { Hono } from 'hono';
import type { TenantVariables } from '../../http/auth';
import { tenantView } from '../../tenants/store';
import { metricsView } from '../../tenants/usage';
import type { AppDeps } from '../deps';

// Models have no meaningful creation time here; a fixed one keeps responses stable across restarts.
const MODEL_CREATED = 1_730_000_000;

export function tenantSelfRoutes(deps: AppDeps) {
  return new Hono<{ Variables: TenantVariables }>()
    .get('/models', async (c) => {
      const models = await deps.models.list();
      return c.json({
        object: 'list',
        data: models.map((m) => ({
          id: m.id,
          object: 'model',
          created: MODEL_CREATED,
          owned_by: 'cerberus-edge',
          context_length: m.context_length,
        })),
      });
    })
    .get('/metrics', async (c) => {
      const tenant = c.get('tenant');
      return c.json(metricsView(tenant.id, await deps.tenants.usage(tenant.id)));
    })
    .get('/tenant', (c) => c.json(tenantView(c.get('tenant'))));
}
