/** The bench's Markdown report: speed-up per group and mode, the details, the per-phase profile and the issue's targets. */
import { ABLATIONS } from './configs';
import { MIN_RATIO_TOKENS, type BenchResults, type ConfigResult, type GroupResult } from './results';

const x = (v: number) => `${v.toFixed(2)}×`;
const pct = (v: number) => `${(100 * v).toFixed(0)} %`;

/** "8", or "2 (1)" when only 1 of 2 prompts decoded enough tokens to count in the medians. */
const promptCount = (c: ConfigResult) => (c.medianPrompts < c.prompts ? `${c.prompts} (${c.medianPrompts})` : `${c.prompts}`);

function cfg(group: GroupResult, id: string): ConfigResult | undefined {
  return group.configs.find((c) => c.id === id);
}

export function markdownReport(r: BenchResults): string {
  const out: string[] = [];
  const { settings: s, machine: m } = r;
  out.push(`# cerberus-edge benchmark: ${r.model.name} (${(r.model.parameters / 1e6).toFixed(1)} M parameters)`);
  out.push('');
  out.push(`${r.createdAt}, ${r.durationS.toFixed(0)} s. \`${r.command}\``);
  out.push('');
  out.push(`Machine: ${m.cpuModel}, ${m.cpus} CPUs, ${m.memoryGb.toFixed(0)} GB, ${m.os}, Node ${m.node}; load average at start ${m.loadAverageAtStart.map((l) => l.toFixed(2)).join(' / ')}. ${m.note}`);
  out.push('');
  out.push(`Greedy, ${s.maxTokens} new tokens, ${s.stories} story openings + ${s.mtBench} MT-Bench first turns (${s.data}); tree budget ${s.treeBudget}; ${s.sessions}; ${s.order}; each run ${s.repeats}× and the fastest kept. Ratios: median over the group's prompts of tokens/s over AR's on the same prompt, same backend, same run (prompts where AR emitted fewer than ${MIN_RATIO_TOKENS} tokens before end-of-text are left out of the medians: their time is the prefill; the prompts column counts them in brackets). Mismatches vs AR: **${r.mismatches}**.`);
  for (const skip of r.skipped) out.push(`\nSkipped ${skip.name}: ${skip.reason}.`);

  for (const backend of r.backends) {
    const configs = backend.groups[0]?.configs ?? [];
    const runtime = typeof backend.notes['backend'] === 'string' ? `${backend.notes['backend']} backend, ` : '';
    const variant = typeof backend.notes['baseVariant'] === 'string' ? ` (${runtime}${backend.notes['baseVariant']} base)` : '';
    out.push('', `## ${backend.name}: ${backend.path}${variant}`, '');
    out.push(`| group | prompts | AR tok/s | ${configs.slice(1).map((c) => c.name).join(' | ')} |`);
    out.push(`|---|---|---|${configs.slice(1).map(() => '---').join('|')}|`);
    for (const g of backend.groups) {
      const ar = g.configs[0]!;
      out.push(`| ${g.set === 'stories' ? 'stories' : `MT-Bench ${g.category}`} | ${promptCount(ar)} | ${ar.tokensPerSecond.toFixed(0)} | ${g.configs.slice(1).map((c) => x(c.medianRatioToAr)).join(' | ')} |`);
    }
    out.push('', 'The same, from the CPU time of the process that ran the model (every thread) instead of wall time: what a generation cost in compute, far less disturbed by the other jobs on a shared machine.', '');
    out.push(`| group | AR tokens per CPU-second | ${configs.slice(1).map((c) => c.name).join(' | ')} |`);
    out.push(`|---|---|${configs.slice(1).map(() => '---').join('|')}|`);
    for (const g of backend.groups) {
      const ar = g.configs[0]!;
      const perCpu = ar.cpuMs > 0 ? (1000 * ar.tokens) / ar.cpuMs : 0;
      out.push(`| ${g.set === 'stories' ? 'stories' : `MT-Bench ${g.category}`} | ${perCpu.toFixed(0)} | ${g.configs.slice(1).map((c) => x(c.medianCpuRatioToAr)).join(' | ')} |`);
    }
    out.push('', `Details (stories, and all MT-Bench together); peak memory of the process that ran the model: ${backend.peakRssMb.toFixed(0)} MiB.`, '');
    out.push('| group | config | tok/s | × AR (median) | × AR (totals) | tokens/step | extra/parallel step | zero-accept | parallel share | of which drafts | TTFT ms (median) | threshold (end, median) | peak RSS MiB | mismatches |');
    out.push('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
    for (const g of backend.groups.filter((g) => g.category === 'stories' || g.category === 'all')) {
      for (const c of g.configs) {
        const par = c.mode !== 'ar';
        out.push(
          `| ${g.set} | ${c.name} | ${c.tokensPerSecond.toFixed(0)} | ${x(c.medianRatioToAr)} | ${x(c.ratioToAr)} | ${c.tokensPerStep.toFixed(2)} | ` +
            `${par ? c.meanExtraPerParallelStep.toFixed(2) : '–'} | ${par ? pct(c.zeroAcceptShare) : '–'} | ${pct(c.parallelShare)} | ${par ? pct(c.draftShare) : '–'} | ${c.ttftMsMedian.toFixed(0)} | ` +
            `${c.thresholdEndMedian === null ? '–' : c.thresholdEndMedian.toFixed(2)} | ${c.peakRssMb.toFixed(0)} | ${c.mismatches} |`,
        );
      }
    }
  }

  if (r.profile.length > 0) {
    out.push('', '## Per-phase profile of a step (ms per step, mean over the profiled generations)', '');
    const phases = Object.keys(r.profile[0]!.msPerStep.parallel);
    out.push(`| backend | step | steps | ${phases.join(' | ')} | total | copies (measured separately) |`);
    out.push(`|---|---|---|${phases.map(() => '---').join('|')}|---|---|`);
    for (const p of r.profile) {
      for (const kind of ['ar', 'parallel'] as const) {
        const ms = p.msPerStep[kind];
        const total = Object.values(ms).reduce((a, b) => a + b, 0);
        const copy = kind === 'ar' ? p.copyMsPerArStep : p.copyMsPerParallelStep;
        out.push(`| ${p.backend} | ${kind} | ${p.steps[kind]} | ${phases.map((ph) => (ms[ph] ?? 0).toFixed(3)).join(' | ')} | ${total.toFixed(3)} | ${copy.toFixed(3)} |`);
      }
      out.push(
        `| ${p.backend} | parallel ÷ AR | | ${phases.map(() => '').join(' | ')} | **${p.parallelOverAr.toFixed(2)}** (cost model: ${p.predictedOverAr === null ? '–' : p.predictedOverAr.toFixed(2)}, mean tree ${p.meanTreeSize.toFixed(1)} nodes) | |`,
      );
    }
  }

  out.push('', '## Targets (issue 7)', '');
  out.push('| measure | target | ' + r.backends.map((b) => b.name).join(' | ') + ' |');
  out.push('|---|---|' + r.backends.map(() => '---').join('|') + '|');
  const row = (measure: string, target: string, f: (groups: GroupResult[]) => string) =>
    out.push(`| ${measure} | ${target} | ${r.backends.map((b) => f(b.groups)).join(' | ')} |`);
  const stories = (gs: GroupResult[]) => gs.find((g) => g.category === 'stories');
  row('stories, Cerberus + adaptive gate (wall; CPU time)', 'native ≥ 2.0×, wasm ≥ 1.5×', (gs) => {
    const c = stories(gs) && cfg(stories(gs)!, 'cerberus+gate');
    return c === undefined ? '–' : `${x(c.medianRatioToAr)}; ${x(c.medianCpuRatioToAr)}`;
  });
  row('Cerberus+gate over Medusa+gate, stories (wall; CPU time)', '≥ 1.10×', (gs) => {
    const g = stories(gs);
    const a = g && cfg(g, 'cerberus+gate');
    const b = g && cfg(g, 'medusa+gate');
    return a === undefined || b === undefined ? '–' : `${x(a.medianRatioToAr / b.medianRatioToAr)}; ${x(a.medianCpuRatioToAr / b.medianCpuRatioToAr)}`;
  });
  for (const [what, key] of [['wall', 'medianRatioToAr'], ['CPU time', 'medianCpuRatioToAr']] as const) {
    row(`worst MT-Bench category, adaptive-gated modes (${what}; ablations left out)`, '≥ 0.98×', (gs) => {
      let worst: { v: number; where: string } | undefined;
      for (const g of gs.filter((g) => g.set === 'mt-bench' && g.category !== 'all')) {
        for (const c of g.configs.filter((c) => c.gate === 'adaptive' && !ABLATIONS.has(c.id))) {
          if (worst === undefined || c[key] < worst.v) worst = { v: c[key], where: `${g.category}, ${c.name}` };
        }
      }
      return worst === undefined ? '–' : `${x(worst.v)} (${worst.where})`;
    });
  }
  row('adaptive gate vs best fixed threshold (Cerberus; stories / MT-Bench all; wall)', '≥ 0.97×', (gs) =>
    gs
      .filter((g) => g.category === 'stories' || g.category === 'all')
      .map((g) => {
        const adaptive = cfg(g, 'cerberus+gate');
        const fixed = g.configs.filter((c) => c.gate === 'fixed');
        if (adaptive === undefined || fixed.length === 0) return '–';
        const best = fixed.reduce((a, b) => (b.medianRatioToAr > a.medianRatioToAr ? b : a));
        return `${x(adaptive.medianRatioToAr / best.medianRatioToAr)} (best ${best.name})`;
      })
      .join(' / '),
  );
  row('greedy output equal to AR', '100 %', (gs) => {
    const all = gs.filter((g) => g.category === 'stories' || g.category === 'all').flatMap((g) => g.configs);
    const n = all.reduce((s, c) => s + c.prompts, 0);
    const bad = all.reduce((s, c) => s + c.mismatches, 0);
    return n === 0 ? '–' : pct(1 - bad / n);
  });
  out.push('');
  return out.join('\n');
}
