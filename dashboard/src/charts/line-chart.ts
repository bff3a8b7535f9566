import uPlot from 'uplot';
import { h } from '../dom.js';

export interface LineSeries {
  readonly label: string;
  readonly color: string;
  readonly dash?: number[];
}

export interface LineChartOptions {
  readonly title: string;
  readonly yLabel: string;
  readonly series: readonly LineSeries[];
  readonly logScale?: boolean;
  /** Offer a log-scale switch under the chart. */
  readonly logSwitch?: boolean;
  readonly height?: number;
}

/**
 * A uPlot line chart over epochs that grows as points arrive. Points are appended to plain
 * arrays and drawn at most once per animation frame, however fast epochs come in. Values a
 * log scale cannot show (0, negative) are left as gaps there.
 */
export class LineChart {
  readonly element: HTMLElement;
  private readonly plotHost: HTMLElement;
  private readonly x: number[] = [];
  private readonly ys: (number | null)[][];
  /** The same values with those a log scale cannot show (≤ 0) as gaps. */
  private readonly logYs: (number | null)[][];
  private plot: uPlot | null = null;
  private logScale: boolean;
  private drawPending = false;
  private readonly resizeObserver: ResizeObserver;

  constructor(private readonly options: LineChartOptions) {
    this.logScale = options.logScale ?? false;
    this.ys = options.series.map(() => []);
    this.logYs = options.series.map(() => []);
    this.plotHost = h('div', { class: 'chart-plot', 'data-points': 0 });
    const controls = options.logSwitch ? this.logSwitch() : null;
    this.element = h(
      'figure',
      { class: 'chart' },
      h('figcaption', {}, options.title),
      this.plotHost,
      controls,
    );
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(this.plotHost);
  }

  /** How many epochs are plotted. */
  get points(): number {
    return this.x.length;
  }

  push(epoch: number, values: readonly (number | undefined)[]): void {
    this.x.push(epoch);
    this.options.series.forEach((_series, index) => {
      const value = values[index];
      this.ys[index].push(value === undefined ? null : value);
      this.logYs[index].push(value !== undefined && value > 0 ? value : null);
    });
    this.scheduleDraw();
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  private logSwitch(): HTMLElement {
    const checkbox = h('input', { type: 'checkbox', class: 'log-switch' });
    checkbox.checked = this.logScale;
    checkbox.addEventListener('change', () => {
      this.logScale = checkbox.checked;
      // uPlot fixes a scale's distribution when it is built: rebuild with the other one.
      this.plot?.destroy();
      this.plot = null;
      this.scheduleDraw();
    });
    return h('label', { class: 'switch' }, checkbox, ' Log scale');
  }

  private scheduleDraw(): void {
    if (this.drawPending) return;
    this.drawPending = true;
    requestAnimationFrame(() => {
      this.drawPending = false;
      this.draw();
    });
  }

  private draw(): void {
    const width = this.plotHost.clientWidth;
    if (width === 0) return;
    const data = [this.x, ...(this.logScale ? this.logYs : this.ys)];
    if (!this.plot)
      this.plot = new uPlot(this.plotOptions(width), data as uPlot.AlignedData, this.plotHost);
    else this.plot.setData(data as uPlot.AlignedData);
    this.plotHost.dataset.points = String(this.x.length);
  }

  private resize(): void {
    const width = this.plotHost.clientWidth;
    if (width === 0) return;
    if (this.plot) this.plot.setSize({ width, height: this.options.height ?? 260 });
    else if (this.x.length > 0) this.scheduleDraw();
  }

  private plotOptions(width: number): uPlot.Options {
    const y: uPlot.Scale = this.logScale ? { distr: 3, log: 10 } : {};
    return {
      width,
      height: this.options.height ?? 260,
      scales: { x: { time: false }, y },
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
      axes: [
        { label: 'epoch', stroke: 'currentColor', grid: { stroke: 'rgba(128,128,128,0.2)' } },
        {
          label: this.options.yLabel,
          stroke: 'currentColor',
          grid: { stroke: 'rgba(128,128,128,0.2)' },
          size: 60,
        },
      ],
      series: [
        { label: 'epoch' },
        ...this.options.series.map((series) => ({
          label: series.label,
          stroke: series.color,
          width: 2,
          dash: series.dash,
          spanGaps: false,
          points: { show: false },
        })),
      ],
    };
  }
}
