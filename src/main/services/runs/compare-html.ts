/** The comparison as a self-contained HTML page: the table and the overlaid curves as inline SVG. */
import type { CompareCurve, CompareReport } from '../../../shared/schemas/run';
import { CURVE_METRICS } from './compare';
import { formatMetricMeanStd } from '../../../shared/metric-format';

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** One chart: every row's curve of one metric, with axes and a legend. */
export function curveSvg(metric: string, curves: CompareCurve[], labels: string[]): string {
  const W = 440, H = 260, L = 52, R = 12, T = 24, B = 34;
  const pts = curves.flatMap((c) => c.points);
  if (pts.length === 0) return '';
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]).filter(Number.isFinite);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const sx = (x: number) => L + ((x - x0) / Math.max(1e-9, x1 - x0)) * (W - L - R);
  const sy = (y: number) => H - B - ((y - y0) / (y1 - y0)) * (H - T - B);
  const lines = curves.map((c) => {
    const color = COLORS[labels.indexOf(c.label) % COLORS.length];
    const d = c.points.filter((p) => Number.isFinite(p[1])).map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
    return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${d}"><title>${esc(c.label)}</title></polyline>`;
  });
  const ticks = [y0, (y0 + y1) / 2, y1].map((y) => `<text x="${L - 6}" y="${sy(y) + 4}" text-anchor="end" font-size="10">${y.toPrecision(3)}</text><line x1="${L}" x2="${W - R}" y1="${sy(y)}" y2="${sy(y)}" stroke="#eee"/>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" role="img" aria-label="${esc(metric)}">
<text x="${L}" y="16" font-size="13" font-weight="bold">${esc(metric)}</text>${ticks.join('')}
<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#333"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#333"/>
<text x="${L}" y="${H - 10}" font-size="10">${x0}</text><text x="${W - R}" y="${H - 10}" font-size="10" text-anchor="end">${x1} steps</text>
${lines.join('\n')}</svg>`;
}

/** The whole report page. */
export function compareHtml(report: CompareReport, title = 'Attune comparison'): string {
  const labels = report.rows.map((r) => r.label);
  const keys = ['loss', 'auc', 'f1', 'accuracy'] as const;
  const rows = report.rows.map((r, i) => `<tr><td><span class="dot" style="background:${COLORS[i % COLORS.length]}"></span>${esc(r.label)}</td><td>${esc(r.recipe)}</td><td>${r.runIds.length}</td>${keys.map((k) => `<td>${formatMetricMeanStd(k, r.plain[k])}</td>`).join('')}${keys.map((k) => `<td>${formatMetricMeanStd(k, r.tta?.[k])}</td>`).join('')}</tr>`);
  const charts = CURVE_METRICS.map((m) => curveSvg(m, report.curves.filter((c) => c.metric === m), labels)).filter(Boolean);
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse}td,th{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}td:first-child,th:first-child,td:nth-child(2){text-align:left}.dot{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:6px}.charts{display:flex;flex-wrap:wrap;gap:16px;margin-top:24px}</style></head>
<body><h1>${esc(title)}</h1><p>Test-set metrics, mean ± std over seeds (scores in percent, losses as cross-entropy). AUC: positive vs negative when the recipe names a negative class, otherwise one-vs-rest macro.</p>
<table><thead><tr><th>Model</th><th>Recipe</th><th>Seeds</th><th>Loss</th><th>AUC</th><th>F1</th><th>Accuracy</th><th>Loss (TTA)</th><th>AUC (TTA)</th><th>F1 (TTA)</th><th>Accuracy (TTA)</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
<div class="charts">${charts.join('\n')}</div>
${report.skipped.length ? `<p>Skipped: ${report.skipped.map((s) => `${esc(s.runId)} (${esc(s.reason)})`).join(', ')}</p>` : ''}
</body></html>`;
}
