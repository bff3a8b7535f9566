import { h } from './dom.js';
import type { Job } from './types.js';

/** A cost or weight: four significant digits, scientific notation for very small or large. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) return value.toExponential(3);
  return value
    .toPrecision(4)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
}

export function formatPercent(value: number | undefined): string {
  return value === undefined ? '—' : `${(value * 100).toFixed(1)} %`;
}

export function formatTime(iso: string | null): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/** Status as a labelled badge; the text says it, the colour only repeats it. */
export function statusBadge(job: Job): HTMLElement {
  const text = job.status === 'running' && job.cancelRequested ? 'cancelling' : job.status;
  return h('span', { class: `badge badge-${job.status}`, 'data-status': job.status }, text);
}

/** A progress bar with its numbers spelled out. */
export function progressBar(job: Job): HTMLElement {
  const { epoch, epochs } = job.progress;
  return h(
    'span',
    { class: 'progress' },
    h('progress', { max: epochs, value: epoch, 'aria-label': `epoch ${epoch} of ${epochs}` }),
    h('span', { class: 'progress-text' }, `${epoch.toLocaleString()} / ${epochs.toLocaleString()}`),
  );
}
