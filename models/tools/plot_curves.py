"""Loss curves of a pipeline run as one SVG (no plotting library on these machines): the base's train loss
(smoothed) and valid loss against training tokens, and each head kind's valid loss against steps."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

W, H, PAD = 440, 260, 48
COLORS = {"train": "#9bb7d4", "valid": "#1f4e79", "cerberus": "#c0392b", "medusa": "#7f8c8d"}


def read_log(path: Path) -> list[dict]:
    """JSON-lines rows, the last row per step kept (a resumed run repeats the steps after its checkpoint)."""
    if not path.exists():
        return []
    rows = {}
    for line in path.read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            rows[r["step"]] = r
    return [rows[k] for k in sorted(rows)]


def smooth(values: list[float], alpha: float = 0.05) -> list[float]:
    out, acc = [], None
    for v in values:
        acc = v if acc is None else acc + alpha * (v - acc)
        out.append(acc)
    return out


def panel(x0: float, title: str, xlabel: str, series: dict[str, list[tuple[float, float]]]) -> str:
    pts = [p for s in series.values() for p in s]
    if not pts:
        return ""
    xmin, xmax = min(p[0] for p in pts), max(p[0] for p in pts)
    ymin, ymax = min(p[1] for p in pts), max(p[1] for p in pts)
    xmax, ymax = (xmax if xmax > xmin else xmin + 1), (ymax if ymax > ymin else ymin + 1)
    sx = lambda x: x0 + PAD + (x - xmin) / (xmax - xmin) * (W - 1.5 * PAD)
    sy = lambda y: PAD / 2 + (ymax - y) / (ymax - ymin) * (H - 1.5 * PAD)
    out = [f'<text x="{x0 + W / 2}" y="16" text-anchor="middle" font-weight="bold">{title}</text>',
           f'<rect x="{x0 + PAD}" y="{PAD / 2}" width="{W - 1.5 * PAD}" height="{H - 1.5 * PAD}" fill="none" stroke="#999"/>',
           f'<text x="{x0 + W / 2}" y="{H - 6}" text-anchor="middle">{xlabel}</text>']
    for i in range(5):
        y = ymin + (ymax - ymin) * i / 4
        out.append(f'<text x="{x0 + PAD - 4}" y="{sy(y) + 4:.1f}" text-anchor="end">{y:.2f}</text>')
        x = xmin + (xmax - xmin) * i / 4
        label = f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"  # steps as integers, millions of tokens short
        out.append(f'<text x="{sx(x):.1f}" y="{H - PAD / 2 + 10}" text-anchor="middle">{label}</text>')
    for j, (name, s) in enumerate(series.items()):
        if not s:
            continue
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in s)
        out.append(f'<polyline points="{path}" fill="none" stroke="{COLORS.get(name, "#333")}" stroke-width="1.6"/>')
        out.append(f'<text x="{x0 + W - PAD}" y="{PAD / 2 + 16 + 14 * j}" text-anchor="end" '
                   f'fill="{COLORS.get(name, "#333")}">{name}</text>')
    return "\n".join(out)


def heads_curve(work: Path, kind: str) -> list[tuple[int, float]]:
    """Valid loss by step over the run a warm start continued (train_heads.py keeps its log) and this one."""
    points: list[tuple[int, float]] = []
    offset = 0
    for name in (f"heads-{kind}-log-before-warm-start.jsonl", f"heads-{kind}-log.jsonl"):
        if not (work / name).exists():
            continue
        rows = read_log(work / name)
        points += [(offset + r["step"], r["valid_loss"]) for r in rows if "valid_loss" in r]
        offset += max((r["step"] for r in rows), default=0)
    return points


def render(work: Path) -> str:
    base = read_log(work / "base-log.jsonl")
    train = list(zip([r["tokens"] / 1e6 for r in base], smooth([r["train_loss"] for r in base])))
    valid = [(r["tokens"] / 1e6, r["valid_loss"]) for r in base if "valid_loss" in r]
    heads = {k: heads_curve(work, k) for k in ("cerberus", "medusa")}
    body = panel(0, "base: loss (nats/token)", "training tokens (M) in this run", {"train": train, "valid": valid})
    body += panel(W, "heads: valid loss on the greedy chain", "step (a warm-started run continues the one before)", heads)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * W}" height="{H}" font-family="sans-serif" '
            f'font-size="11"><rect width="100%" height="100%" fill="white"/>\n{body}\n</svg>\n')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--work", type=Path, required=True, help="pipeline work dir (base-log.jsonl, heads-*-log.jsonl)")
    ap.add_argument("--out", type=Path, required=True, help="SVG file to write")
    args = ap.parse_args()
    args.out.write_text(render(args.work))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
