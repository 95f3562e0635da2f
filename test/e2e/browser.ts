/**
 * Headless Chromium for the browser tests: Debian's `chromium` (.ci/run installs it) driven by
 * playwright-core, which downloads no browser of its own. CHROMIUM_PATH points at another build.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'esbuild';

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`No Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (see .ci/run), or set CHROMIUM_PATH.`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: FLAGS });
}

/** The official openai client bundled for browsers (as a web app would ship it), exposed as `globalThis.OpenAI`. */
async function openaiBrowserBundle(root: string): Promise<string> {
  const result = await build({
    stdin: { contents: "import OpenAI from 'openai'; globalThis.OpenAI = OpenAI;", resolveDir: root, loader: 'js' },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
  });
  return result.outputFiles[0]!.text;
}

export interface WebApp {
  /** The page's origin: another port than the API's, so every API call is cross-origin. */
  readonly url: string;
  close(): Promise<void>;
}

/** A third-party web app on its own origin: one page that loads the openai SDK bundle. */
export async function serveSdkApp(root: string): Promise<WebApp> {
  const sdk = await openaiBrowserBundle(root);
  const page = '<!doctype html><meta charset="utf-8"><title>SDK app</title><script src="/sdk.js"></script><p>openai SDK app</p>';
  const server: Server = createServer((request, response) => {
    const js = request.url === '/sdk.js';
    response.writeHead(200, { 'content-type': js ? 'text/javascript' : 'text/html' });
    response.end(js ? sdk : page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
