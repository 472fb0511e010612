import { describe, expect, it } from 'vitest';
import type { CompareRow } from '../../src/shared/schemas/run';
import { bestPerColumn, columns, htmlReport, meanStdText, toCsv } from '../../src/renderer/src/compare/table';
import { formatMetric } from '../../src/shared/metric-format';

const ms = (mean: number, std = 0, n = 1) => ({ mean, std, n });
const rows: CompareRow[] = [
  { label: 'HPT', kind: 'run', recipe: 'hpt', backbone: 'small-resnet', runIds: ['a', 'b'], plain: { loss: ms(0.4, 0.01, 2), auc: ms(0.95, 0.01, 2), f1: ms(0.8, 0.02, 2), accuracy: ms(0.82, 0.01, 2) }, tta: { loss: ms(0.38), auc: ms(0.96), f1: ms(0.81), accuracy: ms(0.83) } },
  { label: 'Scratch, "baseline"', kind: 'run', recipe: 'scratch', backbone: 'small-resnet', runIds: ['c'], plain: { loss: ms(0.6), auc: ms(0.9), f1: ms(0.85), accuracy: ms(0.8) }, tta: null },
];

describe('comparison table', () => {
  it('has TTA columns when a row has TTA numbers', () => {
    expect(columns(rows).map((c) => c.id)).toEqual(['loss', 'auc', 'f1', 'accuracy', 'loss-tta', 'auc-tta', 'f1-tta', 'accuracy-tta']);
    expect(columns([rows[1]]).map((c) => c.id)).toEqual(['loss', 'auc', 'f1', 'accuracy']);
  });

  it('marks the lowest loss and the highest score of each column', () => {
    const best = bestPerColumn(rows, columns(rows));
    expect(best).toMatchObject({ loss: 0, auc: 0, f1: 1, accuracy: 0, 'loss-tta': 0 });
  });

  it('writes mean ± std only for several seeds, scores in percent and losses with 3 decimals', () => {
    expect(meanStdText(ms(0.91234, 0.0041, 3), 'accuracy')).toBe('91.2% ± 0.4');
    expect(meanStdText(ms(0.5), 'auc')).toBe('50.0%');
    expect(meanStdText(ms(0.41234, 0.0123, 2), 'loss')).toBe('0.412 ± 0.012');
    expect(meanStdText(ms(0.5), 'loss')).toBe('0.500');
    expect(meanStdText(undefined)).toBe('—');
  });

  it('uses the format the Runs view uses (one format across views)', () => {
    expect(formatMetric('f1', 0.9123)).toBe('91.2%');
    expect(formatMetric('loss', 0.41234)).toBe('0.412');
    expect(formatMetric('accuracy', Number.NaN)).toBe('—');
  });

  it('exports CSV with quoting and an HTML report with the best cells in bold', () => {
    const csv = toCsv(rows).trim().split('\n');
    expect(csv[0]).toBe('model,recipe,backbone,seeds,loss_mean,loss_std,auc_mean,auc_std,f1_mean,f1_std,accuracy_mean,accuracy_std,loss-tta_mean,loss-tta_std,auc-tta_mean,auc-tta_std,f1-tta_mean,f1-tta_std,accuracy-tta_mean,accuracy-tta_std');
    expect(csv[2].startsWith('"Scratch, ""baseline""",scratch,small-resnet,1,0.6,0,')).toBe(true);
    expect(csv[2].endsWith(',,,,,,,')).toBe(true);
    const html = htmlReport('Leaves <2026>', rows, [{ title: 'Loss', png: 'data:image/png;base64,AAAA' }]);
    expect(html).toContain('<title>Leaves &lt;2026&gt;</title>');
    expect(html).toContain('<td class="best">0.400 ± 0.010</td>');
    expect(html).toContain('<td class="best">95.0% ± 1.0</td>');
    expect(html).toContain('src="data:image/png;base64,AAAA"');
  });
});
