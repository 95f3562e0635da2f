/**
 * llama.cpp for the peer benchmark, from the npm registry only: the node-llama-cpp package carries
 * llama.cpp's source as a git bundle (llama/gitRelease.bundle, with gguf-py). `npm pack` fetches the
 * tarball (no install scripts, no prebuilt binaries), the bundle is cloned, and only the tools the benchmark
 * runs are built, with nice and -j2, into a cache folder that later runs reuse.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The node-llama-cpp release whose bundled llama.cpp the benchmark builds (pinned: results stay comparable). */
export const NODE_LLAMA_CPP_VERSION = '3.22.1';
const TOOLS = ['llama-bench', 'llama-completion', 'llama-quantize'] as const;
/** The build a user would make here (-march=native), but without AMX: this machine's CPU reports AMX, and
 * llama.cpp's AMX matmul crashes (SIGSEGV) on quantised weights here; REPACK and AVX-512 stay on. */
const NO_AMX = '-mno-amx-tile -mno-amx-int8 -mno-amx-bf16';
const CMAKE_OPTIONS = ['-DCMAKE_BUILD_TYPE=Release', '-DLLAMA_CURL=OFF', '-DLLAMA_OPENSSL=OFF', '-DBUILD_SHARED_LIBS=OFF', '-DGGML_NATIVE=ON',
  '-DLLAMA_BUILD_TESTS=OFF', '-DLLAMA_BUILD_SERVER=OFF', '-DGGML_OPENMP=ON', `-DCMAKE_C_FLAGS=${NO_AMX}`, `-DCMAKE_CXX_FLAGS=${NO_AMX}`];
const BUILD_ID = `${NODE_LLAMA_CPP_VERSION} ${CMAKE_OPTIONS.join(' ')}`;

export interface LlamaCpp {
  readonly dir: string;
  readonly src: string;
  readonly bin: (tool: (typeof TOOLS)[number]) => string;
  readonly ggufPy: string;
  readonly commit: string;
}

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/** The cached build, or fetch + build it (minutes on 2 cores). */
export function ensureLlamaCpp(cacheDir = resolve('node_modules/.cache/llama.cpp'), log = console.error): LlamaCpp {
  const src = join(cacheDir, 'src');
  const build = join(cacheDir, 'build');
  const stamp = join(cacheDir, 'built-from');
  const bin = (tool: string) => join(build, 'bin', tool);
  const stamped = (id: string) => existsSync(stamp) && readFileSync(stamp, 'utf8').trim().startsWith(id);
  const ready = stamped(BUILD_ID) && TOOLS.every((t) => existsSync(bin(t)));
  if (!ready) {
    mkdirSync(cacheDir, { recursive: true });
    if (!existsSync(join(src, 'CMakeLists.txt')) || !stamped(NODE_LLAMA_CPP_VERSION)) {
      log(`llama.cpp: fetching node-llama-cpp@${NODE_LLAMA_CPP_VERSION} (npm pack) for its bundled source`);
      rmSync(src, { recursive: true, force: true });
      const tgz = execFileSync('npm', ['pack', `node-llama-cpp@${NODE_LLAMA_CPP_VERSION}`, '--silent', '--pack-destination', cacheDir], {
        cwd: cacheDir,
        encoding: 'utf8',
      }).trim().split('\n').pop()!;
      run('tar', ['-xzf', tgz, 'package/llama/gitRelease.bundle'], cacheDir);
      run('git', ['clone', '--quiet', join(cacheDir, 'package/llama/gitRelease.bundle'), src], cacheDir);
      rmSync(join(cacheDir, tgz), { force: true });
      rmSync(join(cacheDir, 'package'), { recursive: true, force: true });
    }
    log('llama.cpp: building llama-bench, llama-completion, llama-quantize (nice, -j2; several minutes)');
    run('nice', ['-n', '10', 'cmake', '-S', src, '-B', build, ...CMAKE_OPTIONS], cacheDir);
    run('nice', ['-n', '10', 'cmake', '--build', build, '-j2', '--target', ...TOOLS], cacheDir);
    writeFileSync(stamp, `${BUILD_ID}\n`);
  }
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: src, encoding: 'utf8' }).trim();
  return { dir: cacheDir, src, bin, ggufPy: join(src, 'gguf-py'), commit };
}

/** f32 GGUF of a model folder (models/tools/export_gguf.py) and its q8_0 (llama-quantize), cached by base sha256. */
export function ensureGguf(llama: LlamaCpp, modelDir: string, baseSha: string): { f32: string; q8_0: string } {
  const dir = join(llama.dir, 'gguf');
  mkdirSync(dir, { recursive: true });
  const f32 = join(dir, `${baseSha.slice(0, 16)}-f32.gguf`);
  const q8 = join(dir, `${baseSha.slice(0, 16)}-q8_0.gguf`);
  if (!existsSync(f32)) run('/usr/bin/python3', [resolve('models/tools/export_gguf.py'), modelDir, f32, '--gguf-py', llama.ggufPy], dir);
  if (!existsSync(q8)) {
    const r = spawnSync(llama.bin('llama-quantize'), [f32, q8, 'q8_0'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`llama-quantize failed: ${r.stderr.slice(-2000)}`);
  }
  return { f32, q8_0: q8 };
}

/** llama.cpp's greedy continuation (temperature 0) of a prompt, as text, and its own decode tokens/s. */
export function llamaGreedy(llama: LlamaCpp, gguf: string, prompt: string, maxTokens: number, threads: number): { text: string; decodeTps: number } {
  const r = spawnSync(
    llama.bin('llama-completion'),
    ['-m', gguf, '-p', prompt, '-n', String(maxTokens), '--temp', '0', '-t', String(threads), '-tb', String(threads),
      '-no-cnv', '--no-display-prompt', '--simple-io', '--no-warmup', '-c', '512'],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) throw new Error(`llama-completion failed (exit ${r.status ?? r.signal}, ${String(r.error)}): ${r.stderr.slice(-1500)}`);
  const tps = /eval time =.*?runs.*?([\d.]+) tokens per second/.exec(r.stderr.split('\n').find((l) => l.includes(' eval time') && !l.includes('prompt')) ?? '');
  return { text: generatedText(r.stdout), decodeTps: tps === null ? NaN : Number(tps[1]) };
}

/** llama-completion's stdout less what it prints after the tokens: "\n\n" always, " [end of text]\n" before it at EOS. */
function generatedText(stdout: string): string {
  let text = stdout.endsWith('\n\n') ? stdout.slice(0, -2) : stdout;
  if (text.endsWith(' [end of text]\n')) text = text.slice(0, -' [end of text]\n'.length);
  return text;
}

export interface LlamaBenchRow {
  readonly threads: number;
  readonly tokensPerSecond: number;
  readonly samples: readonly number[];
}

/** llama-bench's text-generation test (-p 0 -n N): decode tokens/s per thread count. */
export function llamaBench(llama: LlamaCpp, gguf: string, tokens: number, threads: readonly number[], repetitions: number): LlamaBenchRow[] {
  const out = execFileSync(
    llama.bin('llama-bench'),
    ['-m', gguf, '-p', '0', '-n', String(tokens), '-r', String(repetitions), '-t', threads.join(','), '-o', 'json'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 24 },
  );
  return (JSON.parse(out) as { n_threads: number; avg_ts: number; samples_ts: number[] }[]).map((row) => ({
    threads: row.n_threads,
    tokensPerSecond: row.avg_ts,
    samples: row.samples_ts,
  }));
}
