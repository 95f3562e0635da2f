/** Cloudflare Workers entry: the shared Hono app over Durable Object stores and the assets-bound model. */
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
import decoderWasm from '../../src/runtime/kernel/decoder-fma.wasm';
import rowStatsWasm from '../../src/runtime/kernel/row-stats.wasm';
import { createApp, type App } from '../app/create-app';
import { Admission, admissionLimitsFrom } from '../http/admission';
import { manifestCatalog } from '../app/model-catalog';
import { assetsModelSource } from './assets-source';
import { durableSessionStore, durableTenantStore } from './stores';
import { provideKernelModule, provideRowStatsModule, provideWasmModule } from '../engine';
import { workerModel } from './worker-model';

// workerd cannot compile wasm at run time: the fused decoder kernel (the base's and the heads' forward),
// onnxruntime-web (where the kernel cannot run a graph) and the gate's entropy pass (the row statistics)
// get the modules wrangler precompiled.
provideKernelModule(decoderWasm);
provideWasmModule(ortWasm);
provideRowStatsModule(rowStatsWasm);

export { SessionDO } from './session-do';
export { TenantsDO } from './tenants-do';

let app: App | undefined;

export default {
  fetch(request, env, ctx) {
    app ??= createApp({
      tenants: durableTenantStore(env.TENANTS),
      sessions: durableSessionStore(env.SESSIONS),
      models: manifestCatalog(assetsModelSource(env.MODEL)),
      adminSecret: env.ADMIN_SECRET,
      ready: () => workerModel(env),
      // per isolate; wrangler.toml [vars]
      admission: new Admission(admissionLimitsFrom({ maxActive: env.MAX_ACTIVE_TURNS, maxQueued: env.MAX_QUEUED_TURNS })),
    });
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
