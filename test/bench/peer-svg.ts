/** Grouped bar chart of the peer benchmark: one group per thread count, one bar per engine (tokens/s). */
export function peerSvg(rows: readonly { engine: string; threads: number; tokensPerSecond: number }[], threads: readonly number[]): string {
  const engines = [...new Set(rows.map((r) => r.engine))];
  const colors = ['#1f77b4', '#2ca02c', '#d62728', '#ff7f0e', '#9467bd', '#8c564b'];
  const max = Math.max(...rows.map((r) => r.tokensPerSecond).filter(Number.isFinite), 1);
  const barW = 28;
  const groupW = engines.length * barW + 40;
  const h = 260;
  const left = 50;
  const width = left + threads.length * groupW + 220;
  const y = (v: number) => 20 + (h - 20) * (1 - v / max);
  const parts: string[] = [];
  for (let tick = 0; tick <= 4; tick++) {
    const v = (max * tick) / 4;
    parts.push(`<line x1="${left}" x2="${left + threads.length * groupW}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="11">${v.toFixed(0)}</text>`);
  }
  threads.forEach((t, g) => {
    const x0 = left + g * groupW + 20;
    engines.forEach((e, i) => {
      const v = rows.find((r) => r.engine === e && r.threads === t)?.tokensPerSecond;
      if (v === undefined || !Number.isFinite(v)) return;
      parts.push(`<rect x="${x0 + i * barW}" y="${y(v)}" width="${barW - 4}" height="${h - y(v)}" fill="${colors[i % colors.length]}"><title>${e}, ${t} thread(s): ${v.toFixed(0)} tokens/s</title></rect>`);
    });
    parts.push(`<text x="${x0 + (engines.length * barW) / 2}" y="${h + 16}" text-anchor="middle" font-size="12">${t} thread${t === 1 ? '' : 's'}</text>`);
  });
  engines.forEach((e, i) => {
    const ly = 30 + i * 18;
    const lx = left + threads.length * groupW + 10;
    parts.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${colors[i % colors.length]}"/>`, `<text x="${lx + 18}" y="${ly}" font-size="12">${e}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h + 30}" font-family="sans-serif">
<text x="${left}" y="12" font-size="12">decode tokens/s (greedy, one sequence)</text>
${parts.join('\n')}
</svg>
`;
}
