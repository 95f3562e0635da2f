/**
 * The product's real path: HTTP requests to the Worker (`npm start`: workerd; the fused kernel, or
 * onnxruntime-web with BACKEND=wasm) → router →
 * SessionDO → engine, streamed as Server-Sent Events and timed here, by the client. A tenant per gate
 * policy (created through the admin API) carries the configuration; every request opens a fresh session.
 */
import { DEFAULT_TENANT_CONFIG } from '../../workers/tenants/config';
import { gatePolicyOf, type BenchConfig } from './configs';
import type { BenchPrompt } from './prompts';
import { sampled, type BenchRunner, type RunResult } from './runner';
import { startWorkerd, type WorkerdServer } from './workerd-server';

const ADMIN_SECRET = 'dev-admin-secret'; // wrangler.toml [vars], local development only

interface CerberusStats {
  steps: number;
  parallel_steps: number;
  draft_steps: number;
  zero_accept_steps: number;
  mean_extra_tokens_per_parallel_step: number;
  threshold: number;
}

interface Chunk {
  choices?: { text?: string; delta?: { content?: string } }[];
  usage?: { completion_tokens: number };
  cerberus?: CerberusStats;
  error?: { message: string };
}

/** The connection failed (refused, reset, closed mid-stream), as opposed to an answer from the Worker. */
class TransportError extends Error {}

/** Tries per (prompt, configuration) before a broken connection fails the run. */
const TRANSPORT_ATTEMPTS = 3;

export class WorkerdRunner implements BenchRunner {
  readonly path = 'HTTP → Worker → SessionDO in workerd (npm start), streamed, timed by the client';
  readonly notes: Record<string, unknown>;
  private readonly keys = new Map<string, string>();

  private constructor(
    readonly name: string,
    private readonly server: WorkerdServer,
    private readonly budget: number,
    private readonly modelName: string,
    baseVariant: string | undefined,
    backend: string,
  ) {
    this.notes = { backend, baseVariant: baseVariant === undefined || baseVariant === '' ? 'fp32' : baseVariant };
  }

  /**
   * `baseVariant`: what the Worker serves (workerBaseVariant); the fp32 base when undefined. `backend`: its
   * BACKEND var (undefined: wrangler.toml's); the one it runs on is read back from /readyz.
   */
  static async start(name: string, root: string, modelDir: string, budget: number, baseVariant?: string, backend?: string): Promise<WorkerdRunner> {
    const server = await startWorkerd(root, modelDir, baseVariant, backend);
    try {
      const ready = (await (await fetch(`${server.url}/readyz`)).json()) as { models: string[]; backend?: string };
      const model = ready.models[0];
      if (model === undefined) throw new Error(`the Worker serves no model: ${JSON.stringify(ready)}`);
      return new WorkerdRunner(name, server, budget, model, baseVariant, ready.backend ?? 'unknown');
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  /** The API key of the tenant whose gate policy is `config`'s, created on first use. */
  private async keyFor(config: BenchConfig, maxTokens: number): Promise<string> {
    const policy = gatePolicyOf(config);
    const id = JSON.stringify(policy);
    const known = this.keys.get(id);
    if (known !== undefined) return known;
    const body = {
      name: `bench ${config.gate === 'fixed' ? `fixed ${config.threshold}` : 'adaptive'}`,
      config: {
        ...DEFAULT_TENANT_CONFIG,
        gate: { mode: policy.adaptive ? 'adaptive' : 'fixed', threshold: policy.threshold, min: policy.min, max: policy.max, exploration_rate: policy.explorationRate },
        tree_budget: this.budget,
        max_tokens: Math.max(DEFAULT_TENANT_CONFIG.max_tokens, maxTokens),
        rate_limit_per_minute: 1_000_000,
      },
    };
    const response = await fetch(`${this.server.url}/admin/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const created = (await response.json()) as { api_key?: string; key?: string };
    const key = created.api_key ?? created.key;
    if (!response.ok || key === undefined) throw new Error(`creating a bench tenant failed: ${response.status} ${JSON.stringify(created)}`);
    this.keys.set(id, key);
    return key;
  }

  async run(prompt: BenchPrompt, config: BenchConfig, maxTokens: number): Promise<RunResult> {
    const key = await this.keyFor(config, maxTokens);
    const common = {
      model: this.modelName,
      temperature: 0,
      max_tokens: maxTokens,
      stream: true,
      stream_options: { include_usage: true },
      cerberus: { mode: config.mode, gate: config.gate !== 'off', drafts: config.drafts !== false },
    };
    const chat = prompt.kind === 'chat';
    const body = chat ? { ...common, messages: [{ role: 'user', content: prompt.content }] } : { ...common, prompt: prompt.content };
    const url = `${this.server.url}/v1/${chat ? 'chat/completions' : 'completions'}`;
    for (let attempt = 1; ; attempt++) {
      const cpuBefore = await this.server.cpuMs();
      try {
        const [result, peak] = await sampled(() => this.server.rssMb(), () => this.stream(url, key, body));
        return { ...result, cpuMs: (await this.server.cpuMs()) - cpuBefore, peakRssMb: peak };
      } catch (error) {
        // A dropped connection says nothing about the configuration measured: it is run again (a whole run
        // once died of one socket closed mid-stream). What the Worker answered, an error included, is kept.
        if (!(error instanceof TransportError) || attempt >= TRANSPORT_ATTEMPTS) throw error;
        console.error(`[bench] ${this.name}: ${error.message.split('\n')[0]}; running it again (attempt ${attempt + 1} of ${TRANSPORT_ATTEMPTS})`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  private async stream(url: string, key: string, body: unknown): Promise<Omit<RunResult, 'peakRssMb' | 'cpuMs'>> {
    const start = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).catch((error: unknown) => {
      throw new TransportError(`${url}: the request failed: ${String(error)}`, { cause: error });
    });
    // The Worker's own log says why (a 5xx is logged there with its cause).
    const log = () => this.server.output().split('\n').filter((l) => !/Request\.cf|getaddrinfo|GetAddrInfo|callbackTrampoline/.test(l)).slice(-30).join('\n');
    if (!response.ok || response.body === null) {
      throw new Error(`${url}: HTTP ${response.status} ${await response.text()}\n--- the Worker's log, last lines:\n${log()}`);
    }
    let ttft = 0;
    let text = '';
    let tokens = 0;
    let stats: CerberusStats | undefined;
    let buffered = '';
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    for (;;) {
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        read = await reader.read();
      } catch (error) {
        throw new TransportError(`${url}: the stream broke after ${text.length} characters: ${String(error)}\n--- the Worker's log, last lines:\n${log()}`, { cause: error });
      }
      if (read.done) break;
      buffered += decoder.decode(read.value, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n\n')) !== -1) {
        const frame = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (!frame.startsWith('data: ')) continue;
        const data = frame.slice('data: '.length);
        if (data === '[DONE]') continue;
        const chunk = JSON.parse(data) as Chunk;
        if (chunk.error !== undefined) throw new Error(`${url}: the stream ended with an error: ${chunk.error.message}`);
        const piece = chunk.choices?.[0]?.delta?.content ?? chunk.choices?.[0]?.text ?? '';
        if (piece.length > 0 && ttft === 0) ttft = performance.now() - start;
        text += piece;
        if (chunk.usage !== undefined) tokens = chunk.usage.completion_tokens;
        if (chunk.cerberus !== undefined) stats = chunk.cerberus;
      }
    }
    const wallMs = performance.now() - start;
    if (stats === undefined) throw new Error(`${url}: no cerberus statistics in the stream`);
    return {
      text,
      tokens,
      wallMs,
      ttftMs: ttft === 0 ? wallMs : ttft,
      steps: stats.steps,
      parallelSteps: stats.parallel_steps,
      draftSteps: stats.draft_steps,
      zeroAcceptSteps: stats.zero_accept_steps,
      meanExtra: stats.mean_extra_tokens_per_parallel_step,
      thresholdEnd: stats.threshold,
    };
  }

  peakRssMb(): Promise<number> {
    return this.server.peakRssMb();
  }

  dispose(): Promise<void> {
    return this.server.stop();
  }
}
