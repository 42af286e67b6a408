// A small line chart in plain SVG, enough for "throughput against clients": a logarithmic x axis
// (client counts), a linear y axis from 0, one polyline per series, and a legend.

/** One line of the chart. */
export interface ChartSeries {
  readonly label: string;
  readonly color: string;
  /** SVG `stroke-dasharray`, empty for a solid line. */
  readonly dash: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

/** What the chart shows. */
export interface Chart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
}

const size = { width: 760, height: 400, left: 70, right: 230, top: 40, bottom: 50 } as const;

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A round upper bound for the y axis: 1, 2 or 5 times a power of ten, at least `max`. */
function niceCeiling(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 5, 10].find((m) => m * power >= max) ?? 10;
  return step * power;
}

const fmt = (n: number) => (n >= 1000 ? `${Number((n / 1000).toPrecision(3))}k` : String(n));

/** Renders `chart` as a standalone SVG document. */
export function renderLineChart(chart: Chart): string {
  const xs = [...new Set(chart.series.flatMap((s) => s.points.map((p) => p.x)))].sort(
    (a, b) => a - b,
  );
  const yMax = niceCeiling(Math.max(0, ...chart.series.flatMap((s) => s.points.map((p) => p.y))));
  const plotW = size.width - size.left - size.right;
  const plotH = size.height - size.top - size.bottom;
  const [lo, hi] = [Math.log(xs[0] ?? 1), Math.log(xs[xs.length - 1] ?? 1)];
  const px = (x: number) =>
    size.left + (hi === lo ? plotW / 2 : ((Math.log(x) - lo) / (hi - lo)) * plotW);
  const py = (y: number) => size.top + plotH - (y / yMax) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}" ` +
      `viewBox="0 0 ${size.width} ${size.height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${size.left}" y="22" font-size="15" font-weight="bold">${escapeXml(chart.title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const y = (yMax * i) / 5;
    out.push(
      `<line x1="${size.left}" x2="${size.left + plotW}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`,
      `<text x="${size.left - 6}" y="${py(y) + 4}" text-anchor="end">${fmt(y)}</text>`,
    );
  }
  for (const x of xs) {
    const at = px(x);
    out.push(
      `<line x1="${at}" x2="${at}" y1="${size.top}" y2="${size.top + plotH}" stroke="#eee"/>`,
      `<text x="${at}" y="${size.top + plotH + 16}" text-anchor="middle">${x}</text>`,
    );
  }
  out.push(
    `<text x="${size.left + plotW / 2}" y="${size.height - 10}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
    `<text transform="translate(16 ${size.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`,
    `<rect x="${size.left}" y="${size.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`,
  );
  chart.series.forEach((s, i) =>
    out.push(...renderSeries(s, i, { px, py, legendX: size.left + plotW + 16 })),
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function renderSeries(
  s: ChartSeries,
  index: number,
  at: { px: (x: number) => number; py: (y: number) => number; legendX: number },
): string[] {
  const points = [...s.points].sort((a, b) => a.x - b.x);
  const dash = s.dash === '' ? '' : ` stroke-dasharray="${s.dash}"`;
  const path = points.map((p) => `${at.px(p.x).toFixed(1)},${at.py(p.y).toFixed(1)}`).join(' ');
  const ly = size.top + 10 + index * 20;
  return [
    `<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`,
    ...points.map(
      (p) =>
        `<circle cx="${at.px(p.x).toFixed(1)}" cy="${at.py(p.y).toFixed(1)}" r="3" fill="${s.color}"/>`,
    ),
    `<line x1="${at.legendX}" x2="${at.legendX + 24}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
    `<text x="${at.legendX + 30}" y="${ly + 4}">${escapeXml(s.label)}</text>`,
  ];
}
