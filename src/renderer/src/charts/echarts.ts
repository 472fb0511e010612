/** ECharts with only the parts the studio draws (lines, zoom, tooltips, legends, mark lines), canvas and SVG. */
import { use, init, type EChartsType } from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';

use([LineChart, GridComponent, TooltipComponent, LegendComponent, DataZoomComponent, MarkLineComponent, TitleComponent, CanvasRenderer, SVGRenderer]);

export { init };
export type { EChartsType };
