/**
 * Admission control for the generating routes: a bounded number of turns run at once in this process or
 * isolate, a bounded FIFO queue waits behind them, and each tenant may hold at most its `max_concurrent`
 * turns (running or queued). Whatever does not fit is refused at once, 429 (the tenant's own limit) or 503
 * (the server is full), with Retry-After, instead of being admitted to wait without bound.
 *
 * A turn holds its slot until its response is complete: a JSON one when the handler returns, a stream when
 * it ends, is cancelled or fails, or the client goes away.
 */
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../api-error';
import type { TenantVariables } from './auth';

export interface AdmissionLimits {
  /** Turns generating at once in this process / isolate. */
  readonly maxActive: number;
  /** Turns waiting for a slot; more are refused with 503. */
  readonly maxQueued: number;
  /** A queued turn still without a slot after this long is refused with 503. */
  readonly queueTimeoutMs: number;
}

// Generations share one thread in workerd (and CPU cores anywhere): more at once adds no throughput, only
// latency for everything else; between two steps of each running turn the runtime serves other requests.
export const DEFAULT_ADMISSION: AdmissionLimits = { maxActive: 4, maxQueued: 128, queueTimeoutMs: 30_000 };

/**
 * Limits from configuration strings (Worker vars, environment variables): each a positive integer, or
 * absent for the default; anything else is a configuration error, said at start-up.
 */
export function admissionLimitsFrom(values: { readonly maxActive?: string | undefined; readonly maxQueued?: string | undefined }): AdmissionLimits {
  const parse = (name: string, value: string | undefined, fallback: number) => {
    if (value === undefined || value === '') return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(value)}`);
    return n;
  };
  return {
    ...DEFAULT_ADMISSION,
    maxActive: parse('MAX_ACTIVE_TURNS', values.maxActive, DEFAULT_ADMISSION.maxActive),
    maxQueued: parse('MAX_QUEUED_TURNS', values.maxQueued, DEFAULT_ADMISSION.maxQueued),
  };
}

interface Waiter {
  admitted: boolean;
}

const QUEUE_POLL_MS = 20;

export class Admission {
  #active = 0;
  readonly #queue: Waiter[] = [];
  readonly #byTenant = new Map<string, number>();

  constructor(readonly limits: AdmissionLimits) {}

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Waits for a slot; the returned function gives it back (idempotent). */
  async enter(tenantId: string, tenantMax: number): Promise<() => void> {
    const held = this.#byTenant.get(tenantId) ?? 0;
    if (held >= tenantMax) {
      throw new ApiError({
        status: 429,
        code: 'concurrency_limit_exceeded',
        message: `This API key already has ${held} requests generating or queued (its max_concurrent); retry when one finishes.`,
        retryAfterSeconds: 1,
      });
    }
    if (this.#active >= this.limits.maxActive && this.#queue.length >= this.limits.maxQueued) throw this.#overloaded();
    this.#byTenant.set(tenantId, held + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.#byTenant.get(tenantId) ?? 1) - 1;
      if (left > 0) this.#byTenant.set(tenantId, left);
      else this.#byTenant.delete(tenantId);
      this.#active--;
      const next = this.#queue.shift();
      if (next !== undefined) {
        next.admitted = true; // the slot passes straight to the first waiter
        this.#active++;
      }
    };
    if (this.#active < this.limits.maxActive) {
      this.#active++;
      return release;
    }
    try {
      await this.#wait();
    } catch (error) {
      released = true;
      const left = (this.#byTenant.get(tenantId) ?? 1) - 1;
      if (left > 0) this.#byTenant.set(tenantId, left);
      else this.#byTenant.delete(tenantId);
      throw error;
    }
    return release;
  }

  /**
   * Waits in the caller's own request: on Workers a promise resolved from another request continues in
   * that request's context, where this request's body and response are out of reach ("Cannot perform
   * I/O on behalf of a different request"). So a freed slot is only marked on the waiter, which polls.
   */
  async #wait(): Promise<void> {
    const waiter: Waiter = { admitted: false };
    this.#queue.push(waiter);
    const deadline = Date.now() + this.limits.queueTimeoutMs;
    while (!waiter.admitted) {
      if (Date.now() >= deadline) {
        const at = this.#queue.indexOf(waiter);
        if (at >= 0) this.#queue.splice(at, 1);
        throw this.#overloaded();
      }
      await new Promise((resolve) => setTimeout(resolve, QUEUE_POLL_MS));
    }
  }

  #overloaded(): ApiError {
    // A rough wait: the queue ahead drains about maxActive turns at a time, a few seconds each.
    const retryAfterSeconds = Math.min(30, 1 + Math.ceil(this.#queue.length / Math.max(1, this.limits.maxActive)) * 2);
    return new ApiError({
      status: 503,
      code: 'server_overloaded',
      message: `The server is generating ${this.#active} replies with ${this.#queue.length} more queued; retry in ${retryAfterSeconds} s.`,
      retryAfterSeconds,
    });
  }
}

/** `body` as is, except that `done` runs once when it ends, fails or is cancelled. */
function releasingBody(body: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await reader.read();
          if (next.done) {
            done();
            controller.close();
          } else controller.enqueue(next.value);
        } catch (error) {
          done();
          controller.error(error);
        }
      },
      async cancel(reason) {
        done();
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Holds an admission slot for the whole response of the route it guards (after tenantAuth). */
export function admissionControl(admission: Admission): MiddlewareHandler<{ Variables: TenantVariables }> {
  return async function admissionControl(c, next) {
    const tenant = c.get('tenant');
    const release = await admission.enter(tenant.id, tenant.config.max_concurrent);
    c.req.raw.signal.addEventListener('abort', release, { once: true });
    try {
      await next();
    } catch (error) {
      release();
      throw error;
    }
    // A whole (JSON) response was generated before the handler returned; a stream generates as it is read.
    const body = c.res.body;
    const streaming = (c.res.headers.get('content-type') ?? '').startsWith('text/event-stream');
    if (body === null || !streaming) release();
    else c.res = new Response(releasingBody(body, release), c.res);
  };
}
