/**
 * The admin API: create, list, read, update and delete tenants, and rotate their keys. A key is shown
 * once, when created or rotated; a rotated or deleted tenant's old key fails from the very next request.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { badRequest, notFound } from '../api-error';
import { parseBody } from '../http/body';
import { applyConfigPatch, DEFAULT_TENANT_CONFIG, tenantConfigPatchSchema } from '../tenants/config';
import { hashApiKey, newApiKey, newTenantId } from '../tenants/keys';
import { tenantView, type Tenant } from '../tenants/store';
import { metricsView } from '../tenants/usage';
import type { AppDeps } from './deps';

const createTenantBody = z.object({
  name: z.string().trim().min(1).max(100),
  config: tenantConfigPatchSchema.optional(),
});
const updateTenantBody = z.object({ config: tenantConfigPatchSchema });

export function adminRoutes(deps: AppDeps) {
  const requireTenant = async (id: string): Promise<Tenant> => {
    const tenant = await deps.tenants.get(id);
    if (tenant === null) throw notFound('tenant_not_found', `No tenant with id "${id}".`);
    return tenant;
  };

  return new Hono()
    .post('/tenants', async (c) => {
      const body = await parseBody(c, createTenantBody);
      const config = applyConfigPatch(DEFAULT_TENANT_CONFIG, body.config ?? {});
      if (!config.ok) throw badRequest('invalid_config', config.message, config.param && `config.${config.param}`);
      const apiKey = newApiKey();
      const tenant = await deps.tenants.create({
        id: newTenantId(),
        name: body.name,
        keyHash: await hashApiKey(apiKey),
        config: config.config,
      });
      return c.json({ ...tenantView(tenant), api_key: apiKey }, 201);
    })
    .get('/tenants', async (c) => c.json({ object: 'list', data: (await deps.tenants.list()).map(tenantView) }))
    .post('/tenants/:id/rotate-key', async (c) => {
      const apiKey = newApiKey();
      const tenant = await deps.tenants.rotateKey(c.req.param('id'), await hashApiKey(apiKey));
      if (tenant === null) throw notFound('tenant_not_found', `No tenant with id "${c.req.param('id')}".`);
      return c.json({ ...tenantView(tenant), api_key: apiKey });
    })
    .delete('/tenants/:id', async (c) => {
      if (!(await deps.tenants.delete(c.req.param('id')))) throw notFound('tenant_not_found', `No tenant with id "${c.req.param('id')}".`);
      return c.json({ object: 'tenant.deleted', id: c.req.param('id'), deleted: true });
    })
    .get('/tenants/:id', async (c) => c.json(tenantView(await requireTenant(c.req.param('id')))))
    .patch('/tenants/:id', async (c) => {
      const body = await parseBody(c, updateTenantBody);
      const result = await deps.tenants.updateConfig(c.req.param('id'), body.config);
      if (result.kind === 'not_found') throw notFound('tenant_not_found', `No tenant with id "${c.req.param('id')}".`);
      if (result.kind === 'invalid') throw badRequest('invalid_config', result.message, result.param && `config.${result.param}`);
      return c.json(tenantView(result.tenant));
    })
    .get('/tenants/:id/metrics', async (c) => {
      const tenant = await requireTenant(c.req.param('id'));
      return c.json(metricsView(tenant.id, await deps.tenants.usage(tenant.id)));
    });
}
