import { h } from '../dom.js';
import { formatNumber } from '../format.js';

const NEGATIVE: Rgb = [37, 99, 235];
const NEUTRAL: Rgb = [240, 240, 240];
const POSITIVE: Rgb = [220, 38, 38];

type Rgb = [number, number, number];

/**
 * A weight matrix as a heatmap on a canvas: one pixel per weight, scaled up without smoothing,
 * blue below zero, red above, symmetric around zero so that the colour of 0 never moves.
 * Hovering a cell names it and its value.
 */
export function heatmap(title: string, matrix: readonly (readonly number[])[]): HTMLElement {
  const rows = matrix.length;
  const cols = matrix[0]?.length ?? 0;
  let largest = 0;
  for (const row of matrix) for (const value of row) largest = Math.max(largest, Math.abs(value));

  const canvas = h('canvas', {
    width: cols,
    height: rows,
    class: 'heatmap',
    role: 'img',
    'aria-label': `${title}: ${rows} × ${cols} weights from ${formatNumber(-largest)} to ${formatNumber(largest)}`,
  });
  const context = canvas.getContext('2d');
  if (context && rows > 0 && cols > 0) {
    const image = context.createImageData(cols, rows);
    matrix.forEach((row, i) =>
      row.forEach((value, j) => {
        const [r, g, b] = colorOf(value, largest);
        const offset = (i * cols + j) * 4;
        image.data.set([r, g, b, 255], offset);
      }),
    );
    context.putImageData(image, 0, 0);
  }
  // Cells 2 to 32 CSS pixels wide and tall, each side on its own, so that a 2 × 256 matrix is
  // a readable band rather than a hairline; CSS max-width shrinks the widest to the screen.
  const cellWidth = Math.max(2, Math.min(32, Math.floor(480 / Math.max(cols, 1))));
  const cellHeight = Math.max(2, Math.min(32, Math.floor(480 / Math.max(rows, 1))));
  canvas.style.width = `${cols * cellWidth}px`;
  canvas.style.aspectRatio = `${cols * cellWidth} / ${rows * cellHeight}`;

  const readout = h(
    'output',
    { class: 'readout' },
    `${rows} × ${cols}; point at a cell for its value`,
  );
  canvas.addEventListener('mousemove', (event) => {
    const box = canvas.getBoundingClientRect();
    const i = Math.floor(((event.clientY - box.top) / box.height) * rows);
    const j = Math.floor(((event.clientX - box.left) / box.width) * cols);
    if (matrix[i]?.[j] !== undefined)
      readout.textContent = `W[${i}][${j}] = ${formatNumber(matrix[i][j])}`;
  });

  return h(
    'figure',
    { class: 'weights' },
    h('figcaption', {}, title),
    h('div', { class: 'heatmap-scroll' }, canvas),
    legend(largest),
    readout,
  );
}

function legend(largest: number): HTMLElement {
  const canvas = h('canvas', { width: 101, height: 1, class: 'legend-bar', 'aria-hidden': 'true' });
  const context = canvas.getContext('2d');
  if (context) {
    const image = context.createImageData(101, 1);
    for (let x = 0; x <= 100; x++) image.data.set([...colorOf((x - 50) / 50, 1), 255], x * 4);
    context.putImageData(image, 0, 0);
  }
  return h(
    'div',
    { class: 'legend' },
    h('span', {}, formatNumber(-largest)),
    canvas,
    h('span', {}, formatNumber(largest)),
  );
}

function colorOf(value: number, largest: number): Rgb {
  const t = largest === 0 ? 0 : Math.max(-1, Math.min(1, value / largest));
  const end = t < 0 ? NEGATIVE : POSITIVE;
  const weight = Math.abs(t);
  return [0, 1, 2].map((k) => Math.round(NEUTRAL[k] + (end[k] - NEUTRAL[k]) * weight)) as Rgb;
}
