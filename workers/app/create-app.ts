/** The one Hono app every entry serves; what differs between runtimes comes in through `ports`. */
import { Hono } from 'hono';
import { admissionControl } from '../http/admission';
import { adminAuth, tenantAuth, type TenantVariables } from '../http/auth';
import { jsonBodyLimit } from '../http/body';
import { tenantApiCors } from '../http/cors';
import { errorHandler, notFoundHandler } from '../http/error-handler';
import { playgroundRoutes } from '../playground/routes';
import { withDefaults, type AppPorts } from './deps';
import { adminRoutes } from './admin';
import { completionRoutes } from './completions';
import { healthRoutes } from './health';
import { responsesRoutes } from './responses';
import { tenantSelfRoutes } from './tenant-self';

export function createApp(ports: AppPorts) {
  const deps = withDefaults(ports);
  const v1 = new Hono<{ Variables: TenantVariables }>()
    .use(tenantApiCors())
    .use(tenantAuth(deps.tenants, deps.now))
    .use(jsonBodyLimit(deps.maxBodyBytes))
    .on('POST', ['/chat/completions', '/completions', '/responses'], admissionControl(deps.admission))
    .route('/', tenantSelfRoutes(deps))
    .route('/', completionRoutes(deps))
    .route('/', responsesRoutes(deps));
  const admin = new Hono().use(adminAuth(deps.adminSecret)).use(jsonBodyLimit(deps.maxBodyBytes)).route('/', adminRoutes(deps));

  return new Hono()
    .route('/', healthRoutes(deps))
    .route('/', playgroundRoutes())
    .route('/v1', v1)
    .route('/admin', admin)
    .notFound(notFoundHandler)
    .onError(errorHandler(deps.log));
}

export type App = ReturnType<typeof createApp>;
