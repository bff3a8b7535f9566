import uPlot from 'uplot';
import { h } from '../dom.js';

/**
 * A bias vector as a uPlot bar chart, one bar per unit, measured from zero. The chart is
 * built once the figure is in the page, since uPlot needs its width.
 */
export function barChart(
  title: string,
  values: readonly number[],
): { element: HTMLElement; destroy(): void } {
  const host = h('div', { class: 'chart-plot' });
  const element = h('figure', { class: 'chart bars' }, h('figcaption', {}, title), host);
  const units = values.map((_value, index) => index);
  let plot: uPlot | null = null;

  const observer = new ResizeObserver(() => {
    const width = host.clientWidth;
    if (width === 0) return;
    if (plot) {
      plot.setSize({ width, height: 180 });
      return;
    }
    plot = new uPlot(
      {
        width,
        height: 180,
        legend: { show: false },
        cursor: { points: { show: false } },
        scales: {
          x: { time: false, range: [-0.5, values.length - 0.5] },
          // Always include zero, so that a bar's length is its value.
          y: { range: (_u, min, max) => padded(Math.min(0, min), Math.max(0, max)) },
        },
        axes: [
          {
            label: 'unit',
            stroke: 'currentColor',
            incrs: [1, 2, 5, 10, 20, 50, 100],
            grid: { show: false },
          },
          {
            label: 'b',
            stroke: 'currentColor',
            size: 60,
            grid: { stroke: 'rgba(128,128,128,0.2)' },
          },
        ],
        series: [
          { label: 'unit' },
          {
            label: 'b',
            fill: 'rgba(29, 78, 216, 0.7)',
            stroke: 'rgb(29, 78, 216)',
            paths: uPlot.paths.bars!({ size: [0.7, 48] }),
            points: { show: false },
          },
        ],
      },
      [units, [...values]],
      host,
    );
  });
  observer.observe(host);

  return {
    element,
    destroy() {
      observer.disconnect();
      plot?.destroy();
    },
  };
}

function padded(min: number, max: number): [number, number] {
  const span = max - min || 1;
  return [min - span * 0.05, max + span * 0.05];
}
