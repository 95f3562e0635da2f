/**
 * Clients nobody here wrote, against a running server: the official openai SDK from a browser page on
 * another origin (CORS preflight with its x-stainless-* headers) and from Node (Responses API,
 * models.retrieve), LangChain's batched completions, and the playground page in headless Chromium.
 * Registered inside a suite that has started the server (npm-start.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOpenAI } from '@ai-sdk/openai';
import { OpenAI as LangChainOpenAI } from '@langchain/openai';
import { generateText, streamText } from 'ai';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, serveSdkApp, type WebApp } from './browser';

const root = fileURLToPath(new URL('../..', import.meta.url));
const DEV_API_KEY = 'sk-dev-local'; // wrangler.toml [vars]
/**
 * Where the playground screenshot goes: outside the tree by default, so test runs leave it clean;
 * `CERBERUS_SCREENSHOT=docs/playground.png npm run test:e2e` refreshes the one the README shows.
 */
const SCREENSHOT = resolve(root, process.env['CERBERUS_SCREENSHOT'] ?? 'node_modules/.cache/cerberus-e2e/playground.png');

export interface Target {
  readonly url: string;
  readonly model: string;
  /** What the server printed so far. */
  readonly output: () => string;
}

interface BrowserResult {
  streamed: string;
  whole: string;
  response: string;
  responseStatus: string;
  retrieved: string;
  apiRequests: { method: string; url: string; stainless: string[] }[];
}

async function sdkFromBrowser(page: Page, target: Target): Promise<Omit<BrowserResult, 'apiRequests'>> {
  return page.evaluate(
    async ({ baseURL, apiKey, model }) => {
      const SDK = (globalThis as unknown as { OpenAI: typeof OpenAI }).OpenAI;
      const client = new SDK({ baseURL, apiKey, dangerouslyAllowBrowser: true, maxRetries: 0 });
      const messages = [{ role: 'user' as const, content: 'Once upon a time, there was a little cat.' }];
      let streamed = '';
      const stream = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 24, stream: true });
      for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
      const whole = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: 24 });
      const response = await client.responses.create({ model, input: messages[0]!.content, temperature: 0, max_output_tokens: 24 });
      const retrieved = await client.models.retrieve(model);
      return {
        streamed,
        whole: whole.choices[0]?.message.content ?? '',
        response: response.output_text,
        responseStatus: response.status ?? '',
        retrieved: retrieved.id,
      };
    },
    { baseURL: `${target.url}/v1`, apiKey: DEV_API_KEY, model: target.model },
  );
}

export function clientChecks(target: () => Target): void {
  let browser: Browser;
  let app: WebApp;
  beforeAll(async () => {
    browser = await launchChromium();
    app = await serveSdkApp(root);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('prints no warnings a newcomer would trip over: no Request.cf fetch failure, no unknown npm config', async () => {
    expect(target().output()).not.toContain('Request.cf');
    const npm = spawnSync('npm', ['pkg', 'get', 'name'], { cwd: root, encoding: 'utf8' });
    expect(npm.status).toBe(0);
    expect(npm.stderr).not.toContain('Unknown project config');
    expect(npm.stderr).not.toMatch(/npm warn/i);
  });

  it('the openai SDK in a browser page on another origin passes the preflight with its x-stainless-* headers', async () => {
    const page = await browser.newPage();
    const apiRequests: BrowserResult['apiRequests'] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(target().url)) return;
      const stainless = Object.keys(request.headers()).filter((h) => h.startsWith('x-stainless-'));
      apiRequests.push({ method: request.method(), url: request.url(), stainless });
    });
    const failures: string[] = [];
    page.on('requestfailed', (request) => failures.push(`${request.url()}: ${request.failure()?.errorText}`));
    page.on('console', (message) => {
      if (message.type() === 'error') failures.push(message.text());
    });
    await page.goto(app.url);
    expect(new URL(app.url).origin).not.toBe(new URL(target().url).origin);

    const result = await sdkFromBrowser(page, target());
    expect(failures).toEqual([]);
    expect(result.streamed.length).toBeGreaterThan(0);
    expect(result.streamed).toBe(result.whole);
    expect(result.response).toBe(result.whole); // same prompt, greedy: the Responses API gives the same text
    expect(['completed', 'incomplete']).toContain(result.responseStatus);
    expect(result.retrieved).toBe(target().model);
    // The browser sent the SDK's own headers cross-origin, which it does only after a passed preflight.
    const posts = apiRequests.filter((r) => r.method === 'POST');
    expect(posts.length).toBe(3);
    for (const post of posts) expect(post.stainless).toEqual(expect.arrayContaining(['x-stainless-os', 'x-stainless-lang', 'x-stainless-package-version']));
    await page.close();
  });

  it('the SDK’s responses.create, streamed and not, and models.retrieve', async () => {
    const client = new OpenAI({ baseURL: `${target().url}/v1`, apiKey: DEV_API_KEY, maxRetries: 0 });
    const { model } = target();
    const input = 'Lily found a shiny stone in the garden.';
    const whole = await client.responses.create({ model, input, instructions: 'A short story.', temperature: 0, max_output_tokens: 32 });
    expect(whole.output_text.length).toBeGreaterThan(0);
    expect(whole.usage?.output_tokens).toBeGreaterThan(0);

    const stream = await client.responses.create({ model, input, instructions: 'A short story.', temperature: 0, max_output_tokens: 32, stream: true });
    let deltas = '';
    const types: string[] = [];
    let final: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') deltas += event.delta;
      if (event.type === 'response.completed' || event.type === 'response.incomplete') final = event.response;
    }
    expect(types[0]).toBe('response.created');
    expect(deltas).toBe(whole.output_text);
    expect(final?.usage?.output_tokens).toBe(whole.usage?.output_tokens);

    // previous_response_id continues the conversation in the response's session (its prefix is cached).
    const next = await client.responses.create({ model, input: 'Then she ran home.', previous_response_id: whole.id, temperature: 0, max_output_tokens: 16 });
    expect(next.output_text.length).toBeGreaterThan(0);
    expect(next.usage?.input_tokens_details.cached_tokens).toBeGreaterThan(0);

    expect((await client.models.retrieve(model)).id).toBe(model);
    await expect(client.models.retrieve('no-such-model')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('LangChain’s OpenAI.generate([a, b]) gets one generation per prompt, in order', async () => {
    const llm = new LangChainOpenAI({
      model: target().model,
      apiKey: DEV_API_KEY,
      temperature: 0,
      maxTokens: 12,
      maxRetries: 0,
      configuration: { baseURL: `${target().url}/v1` },
    });
    const prompts = ['Tom had a red ball.', 'The sun was hot and the sky was blue.'];
    const result = await llm.generate(prompts);
    expect(result.generations).toHaveLength(2);
    const client = new OpenAI({ baseURL: `${target().url}/v1`, apiKey: DEV_API_KEY, maxRetries: 0 });
    for (const [i, prompt] of prompts.entries()) {
      const alone = await client.completions.create({ model: target().model, prompt, temperature: 0, max_tokens: 12 });
      expect(result.generations[i]![0]!.text).toBe(alone.choices[0]!.text);
    }
  });

  it('the Vercel AI SDK’s default openai(model) (the Responses API) and openai.chat(model) give the same text', async () => {
    const provider = createOpenAI({ baseURL: `${target().url}/v1`, apiKey: DEV_API_KEY });
    const options = { prompt: 'Sam had a small boat.', maxOutputTokens: 16, temperature: 0, maxRetries: 0 };
    const viaResponses = await generateText({ model: provider(target().model), ...options });
    const viaChat = await generateText({ model: provider.chat(target().model), ...options });
    expect(viaResponses.text.length).toBeGreaterThan(0);
    expect(viaResponses.text).toBe(viaChat.text);
    expect(viaResponses.usage.outputTokens).toBe(viaChat.usage.outputTokens);

    const errors: unknown[] = [];
    const streamed = streamText({ model: provider(target().model), ...options, onError: ({ error }) => void errors.push(error) });
    let text = '';
    for await (const delta of streamed.textStream) text += delta;
    expect(errors).toEqual([]);
    expect(text).toBe(viaResponses.text);
    expect(await streamed.finishReason).toBe(viaResponses.finishReason);
  });

  describe('the playground page', () => {
    it('streams a reply coloured by provenance, with live statistics and an AR race', async () => {
      const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${target().url}/`);
      // The dev key is filled in on loopback; mode cerberus, gate on.
      expect(await page.inputValue('#key')).toBe(DEV_API_KEY);
      await page.selectOption('#mode', 'cerberus');
      await page.fill('#max-tokens', '96');
      await page.click('#send');
      await page.waitForSelector('#pane-main[data-state=done]', { timeout: 60_000 });
      await page.waitForSelector('#pane-race[data-state=done]', { timeout: 60_000 });

      const main = await paneFacts(page, 'main');
      const race = await paneFacts(page, 'race');
      expect(errors).toEqual([]);
      expect(main.error).toBe('');
      expect(main.text.length).toBeGreaterThan(0);
      expect(main.sources[0]).toBeGreaterThan(0); // base-model tokens
      // With the shipped heads a cerberus reply accepts some head tokens; each is coloured by its head.
      expect(Object.keys(main.sources).some((from) => Number(from) >= 1)).toBe(true);
      expect(Number(main.stats.tokens)).toBeGreaterThan(0);
      expect(Number(main.stats.tps)).toBeGreaterThan(0);
      expect(Number(main.stats['tps-step'])).toBeGreaterThanOrEqual(1);
      expect(Number(main.stats['engine-tps'])).toBeGreaterThan(0);
      expect(Number(main.stats.threshold)).toBeGreaterThan(0);
      expect(main.stats.steps).toMatch(/^\d+ \(\d+ \/ \d+\)$/);
      expect(main.gateMarks).toBeGreaterThan(0);
      expect(main.thresholdLine).toBe(true);

      // The AR race: the same prompt, every token the base model's; greedy, so the same text.
      expect(Object.keys(race.sources)).toEqual(['0']);
      expect(race.text).toBe(main.text);
      expect(race.stats.steps).toMatch(/^\d+ \(0 \/ \d+\)$/); // no parallel step
      expect(await page.textContent('#verdict')).toContain('× the AR speed');

      await mkdir(dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      await page.close();
    });
  });
}

interface PaneFacts {
  text: string;
  error: string;
  /** Spans per `from` (0 = base model, k = head k, copy = a draft copied from the context). */
  sources: Record<string, number>;
  stats: Record<string, string>;
  gateMarks: number;
  thresholdLine: boolean;
}

/** What a pane shows, read in the page (a string, since this project's types have no DOM). */
function paneFacts(page: Page, pane: 'main' | 'race'): Promise<PaneFacts> {
  return page.evaluate(`(() => {
    const root = document.getElementById('pane-${pane}');
    const sources = {};
    for (const span of root.querySelectorAll('[data-role=out] .tok')) {
      if (!span.classList.contains('from-' + span.dataset.from)) throw new Error('span not coloured by its source');
      sources[span.dataset.from] = (sources[span.dataset.from] || 0) + 1;
    }
    const stats = {};
    for (const b of root.querySelectorAll('[data-stat]')) stats[b.dataset.stat] = b.textContent;
    return {
      text: root.querySelector('[data-role=out]').textContent,
      error: root.querySelector('[data-role=error]').textContent,
      sources,
      stats,
      gateMarks: root.querySelectorAll('[data-role=gate] i').length,
      thresholdLine: root.querySelector('[data-role=threshold-line]') !== null,
    };
  })()`) as Promise<PaneFacts>;
}
