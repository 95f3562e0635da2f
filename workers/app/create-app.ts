/** The one Hono app every entry serves; what differs between runtimes comes in through `ports`. */
import { Hono } from 'hono';
import { adminAuth, tenantAuth, type TenantVariables } from '../http/auth';
import { jsonBodyLimit } from '../http/body';
import { tenantApiCors } from '../http/cors';
import { errorHandler, notFoundHandler } from '../http/error-handler';
import { withDefaults, type AppPorts } from './deps';
import { adminRoutes } from './routes/admin';
import { completionRoutes } from './routes/completions';
import { tenantSelfRoutes } from './routes/tenant-self';
// Client-facing additions (issue 11): the Responses API and the playground page.
import { responsesRoutes } from './routes/responses';
import { playgroundRoutes } from '../playground/routes';

export function createApp(ports: AppPorts) {
  const deps = withDefaults(ports);
  const v1 = new Hono<{ Variables: TenantVariables }>()
    .use(tenantApiCors())
    .use(tenantAuth(deps.tenants, deps.now))
    .use(jsonBodyLimit(deps.maxBodyBytes))
    .route('/', tenantSelfRoutes(deps))
    .route('/', completionRoutes(deps))
    .route('/', responsesRoutes(deps));
  const admin = new Hono().use(adminAuth(deps.adminSecret)).use(jsonBodyLimit(deps.maxBodyBytes)).route('/', adminRoutes(deps));

  return new Hono()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .route('/', playgroundRoutes())
    .route('/v1', v1)
    .route('/admin', admin)
    .notFound(notFoundHandler)
    .onError(errorHandler(deps.log));
}

export type App = ReturnType<typeof createApp>;
