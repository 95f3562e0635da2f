/** An SVG bar chart of the speed-up over AR per prompt group and mode, one panel per backend (no dependencies). */
import type { BenchResults } from './results';

const MODES = [
  { id: 'medusa', name: 'Medusa', color: '#9ecae1' },
  { id: 'medusa+gate', name: 'Medusa + gate', color: '#3182bd' },
  { id: 'cerberus', name: 'Cerberus', color: '#fdae6b' },
  { id: 'cerberus+gate', name: 'Cerberus + gate', color: '#e6550d' },
];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function svgChart(r: BenchResults): string {
  const panelH = 260;
  const top = 56;
  const left = 56;
  const groupW = 92;
  const groupsMax = Math.max(1, ...r.backends.map((b) => b.groups.length));
  const width = Math.max(760, left + groupsMax * groupW + 24);
  const height = top + r.backends.length * (panelH + 70) + 10;
  const ratios = r.backends.flatMap((b) => b.groups.flatMap((g) => g.configs.map((c) => c.medianRatioToAr)));
  const yMax = Math.max(2, Math.ceil(Math.max(...ratios, 1) * 4) / 4);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="20" font-size="15" font-weight="bold">${esc(`Speed-up over AR, wall time (median over prompts), ${r.model.name}, greedy, ${r.settings.maxTokens} tokens`)}</text>`,
  ];
  MODES.forEach((m, i) => {
    const lx = left + i * 150;
    parts.push(`<rect x="${lx}" y="30" width="12" height="12" fill="${m.color}"/><text x="${lx + 16}" y="40">${m.name}</text>`);
  });
  r.backends.forEach((backend, bi) => {
    const y0 = top + bi * (panelH + 70) + 20;
    const yOf = (v: number) => y0 + panelH - (v / yMax) * panelH;
    parts.push(`<text x="${left}" y="${y0 - 6}" font-weight="bold">${esc(backend.name)}</text>`);
    for (let v = 0; v <= yMax + 1e-9; v += 0.5) {
      parts.push(`<line x1="${left}" x2="${width - 16}" y1="${yOf(v)}" y2="${yOf(v)}" stroke="${v === 1 ? '#333' : '#ddd'}" stroke-width="${v === 1 ? 1.5 : 1}"/>`);
      parts.push(`<text x="${left - 6}" y="${yOf(v) + 4}" text-anchor="end">${v.toFixed(1)}×</text>`);
    }
    backend.groups.forEach((g, gi) => {
      const gx = left + gi * groupW + 8;
      const barW = (groupW - 16) / MODES.length;
      MODES.forEach((m, mi) => {
        const c = g.configs.find((c) => c.id === m.id);
        if (c === undefined) return;
        const v = Math.min(yMax, c.medianRatioToAr);
        const y = yOf(v);
        parts.push(`<rect x="${gx + mi * barW}" y="${y}" width="${barW - 2}" height="${yOf(0) - y}" fill="${m.color}"><title>${esc(`${g.category}, ${c.name}: ${c.medianRatioToAr.toFixed(2)}×`)}</title></rect>`);
      });
      const label = g.set === 'stories' ? 'stories' : g.category === 'all' ? 'MT-Bench all' : g.category;
      parts.push(`<text x="${gx + (groupW - 16) / 2}" y="${yOf(0) + 16}" text-anchor="middle">${esc(label)}</text>`);
      const ar = g.configs[0];
      if (ar !== undefined) parts.push(`<text x="${gx + (groupW - 16) / 2}" y="${yOf(0) + 30}" text-anchor="middle" fill="#666" font-size="10">AR ${ar.tokensPerSecond.toFixed(0)} tok/s</text>`);
    });
  });
  parts.push('</svg>');
  return parts.join('\n');
}
