// The report's charts as SVG drawn on the server: no script, no inline style (the site's
// Content-Security-Policy allows neither; colours are SVG presentation attributes, which it does
// not govern), and a tooltip per bar from SVG's own <title>. Every text is escaped. Pure.

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (n: number) => n.toLocaleString('en');

export const SEVERITY_COLOURS: Record<string, string> = { critical: '#b42318', warn: '#f5b301', info: '#6ea8fe', none: '#9aa1ad' };
const INK = '#1d2330';
const GRID = '#e1e4ea';

export interface Series {
  label: string;
  colour: string;
  values: number[];
}

/** A rounded-up scale top: 1, 2, 5 × 10^k. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

function frame(id: string, label: string, width: number, height: number, body: string[]): string {
  return [
    `<svg id="${esc(id)}" class="chart" role="img" aria-label="${esc(label)}" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">`,
    `<title>${esc(label)}</title>`,
    ...body,
    '</svg>',
  ].join('\n');
}

function legend(series: Series[], x: number, y: number): string[] {
  return series.flatMap((s, i) => [
    `<rect x="${x + i * 150}" y="${y - 9}" width="10" height="10" fill="${s.colour}"/>`,
    `<text x="${x + i * 150 + 14}" y="${y}" font-size="11" fill="${INK}">${esc(s.label)}</text>`,
  ]);
}

/**
 * Columns per category (a day, a delay bucket), one bar per series side by side, on a shared
 * scale; labels under the first, last and every `labelEvery`-th category.
 */
export function columnChart(id: string, label: string, categories: string[], series: Series[], options: { labelEvery?: number } = {}): string {
  const width = 640;
  const height = 240;
  const left = 48;
  const right = 8;
  const top = 24;
  const bottom = 40;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const slot = plotW / Math.max(1, categories.length);
  const gap = slot > 6 ? slot * 0.2 : 0;
  const barW = (slot - gap) / Math.max(1, series.length);
  const y = (v: number) => top + plotH - (v / max) * plotH;
  const every = options.labelEvery ?? Math.max(1, Math.ceil(categories.length / 8));
  const body: string[] = [];
  for (const tick of [0, max / 2, max]) {
    body.push(`<line x1="${left}" x2="${width - right}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" stroke="${GRID}"/>`);
    body.push(`<text x="${left - 4}" y="${(y(tick) + 4).toFixed(1)}" font-size="11" text-anchor="end" fill="${INK}">${fmt(tick)}</text>`);
  }
  categories.forEach((category, c) => {
    series.forEach((s, i) => {
      const v = s.values[c] ?? 0;
      const x = left + c * slot + gap / 2 + i * barW;
      body.push(
        `<rect class="bar" data-category="${esc(category)}" data-series="${esc(s.label)}" data-value="${v}" x="${x.toFixed(2)}" y="${y(v).toFixed(2)}" width="${Math.max(barW, 0.5).toFixed(2)}" height="${(top + plotH - y(v)).toFixed(2)}" fill="${s.colour}"><title>${esc(category)}: ${fmt(v)} ${esc(s.label)}</title></rect>`,
      );
    });
    const last = c === categories.length - 1;
    if (last && every > 1) {
      // Ends at the plot's right edge, so that it neither leaves the chart nor covers the one before.
      body.push(`<text x="${(left + (c + 1) * slot).toFixed(1)}" y="${height - bottom + 14}" font-size="10" text-anchor="end" fill="${INK}">${esc(category)}</text>`);
    } else if (last || (c % every === 0 && categories.length - 1 - c >= every)) {
      body.push(`<text x="${(left + c * slot + slot / 2).toFixed(1)}" y="${height - bottom + 14}" font-size="10" text-anchor="middle" fill="${INK}">${esc(category)}</text>`);
    }
  });
  body.push(...legend(series, left, 14));
  return frame(id, label, width, height, body);
}

/** One horizontal bar per item, its count at its end. */
export function barChart(id: string, label: string, items: Array<{ label: string; value: number; colour: string }>): string {
  const width = 420;
  const rowH = 26;
  const left = 96;
  const right = 64;
  const height = 12 + items.length * rowH;
  const max = niceMax(Math.max(0, ...items.map((i) => i.value)));
  const plotW = width - left - right;
  const body = items.flatMap((item, r) => {
    const w = (item.value / max) * plotW;
    const top = 6 + r * rowH;
    return [
      `<text x="${left - 6}" y="${top + 15}" font-size="12" text-anchor="end" fill="${INK}">${esc(item.label)}</text>`,
      `<rect class="bar" data-category="${esc(item.label)}" data-value="${item.value}" x="${left}" y="${top + 3}" width="${w.toFixed(2)}" height="${rowH - 8}" fill="${item.colour}"><title>${esc(item.label)}: ${fmt(item.value)}</title></rect>`,
      `<text x="${(left + w + 4).toFixed(2)}" y="${top + 15}" font-size="12" fill="${INK}">${fmt(item.value)}</text>`,
    ];
  });
  return frame(id, label, width, height, body);
}
