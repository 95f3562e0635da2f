/**
 * The layers, checked on the sources themselves: every relative import of src/ and workers/ and every
 * import between models/tools' Python modules, type-only and late imports included. A change that makes a
 * lower layer reach back up fails here with the path it took.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sourceFiles(dir: string, ext: RegExp): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && ext.test(entry.name))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
    .sort();
}

const TS_IMPORT = /(?:^|\n)\s*(?:import|export)\s(?:type\s)?[^;'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

const TS_FILES = new Set([...sourceFiles('src', /\.ts$/), ...sourceFiles('workers', /\.ts$/)]);

/** A binary module the bundler embeds (a precompiled wasm for hosts that cannot compile at run time): data, not code. */
const ASSET = /\.wasm$/;

/**
 * file → the code files it imports (relative imports only; `.js` suffixes and folder indexes resolved).
 * Asset imports must name a file that exists but are leaves outside the layer graph.
 */
function tsImports(files: readonly string[]): Map<string, string[]> {
  const known = TS_FILES;
  const resolve = (from: string, spec: string): string | null => {
    const base = normalize(join(dirname(from), spec)).replace(/\.js$/, '');
    if (ASSET.test(base)) {
      if (existsSync(join(ROOT, base))) return null;
      throw new Error(`${from}: asset '${spec}' does not exist`);
    }
    for (const candidate of [base, `${base}.ts`, `${base}.d.ts`, join(base, 'index.ts')]) if (known.has(candidate)) return candidate;
    throw new Error(`${from}: import '${spec}' resolves to no source file`);
  };
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    graph.set(file, [...text.matchAll(TS_IMPORT)].flatMap((m) => resolve(file, (m[1] ?? m[2])!) ?? []));
  }
  return graph;
}

/** The first cycle found in `graph` (as the path that closes it), or null. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') return [...path.slice(path.indexOf(next)), next];
      if (state.get(next) === undefined) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
    }
    path.pop();
    state.set(node, 'done');
    return null;
  };
  for (const node of graph.keys()) {
    if (state.get(node) !== undefined) continue;
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return null;
}

/** The same graph between layers: `layerOf` names each file's layer; imports inside a layer drop out. */
function layerGraph(graph: ReadonlyMap<string, readonly string[]>, layerOf: (file: string) => string): Map<string, string[]> {
  const layers = new Map<string, string[]>();
  for (const [file, imports] of graph) {
    const from = layerOf(file);
    const targets = layers.get(from) ?? [];
    for (const target of imports) {
      const to = layerOf(target);
      if (to !== from && !targets.includes(to)) targets.push(to);
    }
    layers.set(from, targets);
  }
  return layers;
}

const folderOf = (file: string): string => dirname(file);

describe('src/: the engine', () => {
  const graph = tsImports(sourceFiles('src', /\.ts$/));
  // src/'s own files are two layers: index.ts is the public API over everything; the vocabulary (types,
  // errors, the step profile) sits under everything and imports nothing of src/.
  const layerOf = (file: string): string =>
    file === 'src/index.ts' ? 'src (public API)' : folderOf(file) === 'src' ? 'src (vocabulary)' : folderOf(file);

  it('has no import cycle between files', () => {
    expect(findCycle(graph)?.join(" -> ") ?? null).toBeNull();
  });

  it('has no cycle between its folders: no lower layer reaches back up', () => {
    expect(findCycle(layerGraph(graph, layerOf))?.join(" -> ") ?? null).toBeNull();
  });

  it('the vocabulary at the root reaches no further down than the binding interface (the floor)', () => {
    const vocabulary = [...graph].filter(([file]) => layerOf(file) === 'src (vocabulary)');
    expect(vocabulary.length).toBeGreaterThan(2);
    const below = vocabulary.flatMap(([file, imports]) =>
      imports.filter((t) => layerOf(t) !== 'src (vocabulary)' && t !== 'src/runtime/binding.ts').map((t) => `${file} -> ${t}`),
    );
    expect(below).toEqual([]);
    expect(graph.get('src/runtime/binding.ts')!.filter((t) => !t.startsWith('src/runtime/'))).toEqual([]);
  });

  it('only the public API and engine/ itself import engine/', () => {
    const upward = [...graph].flatMap(([file, imports]) =>
      file === 'src/index.ts' || file.startsWith('src/engine/') ? [] : imports.filter((t) => t.startsWith('src/engine/')).map((t) => `${file} -> ${t}`),
    );
    expect(upward).toEqual([]);
  });
});

describe('workers/: the service', () => {
  const files = sourceFiles('workers', /\.ts$/);
  const graph = tsImports(files);

  it('has no import cycle between files', () => {
    expect(findCycle(graph)?.join(" -> ") ?? null).toBeNull();
  });

  it('has no cycle between its folders', () => {
    expect(findCycle(layerGraph(graph, folderOf))?.join(" -> ") ?? null).toBeNull();
  });

  const intoSrc = files.flatMap((file) => {
    const text = readFileSync(join(ROOT, file), 'utf8');
    return [...text.matchAll(/from\s*['"]((?:\.\.\/)+src\/[^'"]*)['"]/g)].map((m) => `${file}: ${m[1]}`);
  });

  it('reaches the engine through src/index.ts only (via workers/engine.ts)', () => {
    expect(new Set(intoSrc.filter((edge) => !ASSET.test(edge)))).toEqual(new Set(['workers/engine.ts: ../src/index']));
  });

  it('takes from src/ no other binaries than the kernel modules the Cloudflare entry must hand to the engine', () => {
    expect(intoSrc.filter((edge) => ASSET.test(edge)).sort()).toEqual([
      'workers/cloudflare/worker.ts: ../../src/runtime/kernel/decoder-fma.wasm',
      'workers/cloudflare/worker.ts: ../../src/runtime/kernel/row-stats.wasm',
    ]);
  });

  it('keeps Cloudflare-only code in workers/cloudflare/', () => {
    const cloudflareOnly = /from\s*['"]cloudflare:|DurableObjectState|DurableObjectStorage|\bDurableObject\b/;
    const outside = files.filter((file) => !file.startsWith('workers/cloudflare/') && cloudflareOnly.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(outside).toEqual([]);
  });
});

describe('models/tools: the Python pipeline', () => {
  const files = sourceFiles('models/tools', /\.py$/);
  const modules = new Set(files.map((file) => file.replace(/^.*\//, '').replace(/\.py$/, '')));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const imported = [...text.matchAll(/^\s*(?:from\s+(\w+)\s+import\s|import\s+(\w+))/gm)]
      .map((m) => (m[1] ?? m[2])!)
      .filter((name) => modules.has(name));
    graph.set(file.replace(/^.*\//, '').replace(/\.py$/, ''), [...new Set(imported)]);
  }

  it('finds the modules it checks', () => {
    expect(graph.get('stages')).toContain('calibrate');
  });

  it('has no import circle, late imports included', () => {
    expect(findCycle(graph)?.join(" -> ") ?? null).toBeNull();
  });
});
