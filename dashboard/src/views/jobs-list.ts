import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { formatNumber, formatTime, progressBar, statusBadge } from '../format.js';
import type { Job } from '../types.js';

/** How often the list is read again while the page is visible. */
const REFRESH_MS = 1000;

/**
 * The newest jobs with their status, progress and cost, read again every second while the tab
 * is visible. One list request stands in for one event stream per job, which a browser could
 * not keep open for more than a handful of jobs (six connections per host over HTTP/1.1).
 */
export function jobsListView(main: HTMLElement): () => void {
  const body = h('tbody');
  const message = h('p', { class: 'muted', role: 'status' }, 'Loading jobs…');
  const table = h(
    'table',
    { class: 'jobs' },
    h('caption', { class: 'visually-hidden' }, 'Jobs, newest first'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Job'),
        h('th', { scope: 'col' }, 'Status'),
        h('th', { scope: 'col' }, 'Progress'),
        h('th', { scope: 'col' }, 'Cost'),
        h('th', { scope: 'col', class: 'optional' }, 'Network'),
        h('th', { scope: 'col', class: 'optional' }, 'Created'),
      ),
    ),
    body,
  );

  replace(
    main,
    h(
      'div',
      { class: 'page-title' },
      h('h1', {}, 'Jobs'),
      h('a', { class: 'button', href: '#/new' }, 'New job'),
    ),
    message,
    h('div', { class: 'table-scroll' }, table),
  );

  let stopped = false;
  let timer: number | undefined;
  const refresh = async () => {
    if (stopped) return;
    if (document.visibilityState === 'visible') {
      try {
        const { items } = await api.listJobs();
        if (stopped) return;
        replace(body, ...items.map(jobRow));
        message.textContent = items.length === 0 ? 'No jobs yet. Start one with “New job”.' : '';
      } catch (error) {
        message.textContent = `Could not load the jobs: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    timer = window.setTimeout(refresh, REFRESH_MS);
  };
  void refresh();

  return () => {
    stopped = true;
    window.clearTimeout(timer);
  };
}

function jobRow(job: Job): HTMLElement {
  const layers = job.network.layers
    .map((layer) => `${layer.units} ${layer.activation}`)
    .join(' → ');
  return h(
    'tr',
    { 'data-job-id': job.id },
    h('th', { scope: 'row' }, h('a', { href: `#/jobs/${job.id}` }, job.id)),
    h('td', {}, statusBadge(job)),
    h('td', {}, progressBar(job)),
    h('td', { class: 'number' }, formatNumber(job.cost)),
    h('td', { class: 'optional' }, `${job.network.inputSize} → ${layers}`),
    h('td', { class: 'optional' }, formatTime(job.createdAt)),
  );
}
