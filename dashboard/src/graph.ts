import { api, ApiError } from './api.js';
import { h, replace } from './dom.js';

/**
 * The job's computational graph: the DOT the server describes it with, laid out and drawn by
 * Graphviz compiled to WebAssembly (@viz-js/viz). Graphviz is a large module, so it is loaded
 * only when a graph is shown.
 */
export async function renderGraph(jobId: string, target: HTMLElement): Promise<void> {
  replace(target, h('p', { class: 'muted' }, 'Loading the graph…'));
  let dot: string;
  try {
    dot = await api.getGraphDot(jobId);
  } catch (error) {
    replace(target, h('p', { class: 'notice' }, graphUnavailable(error)));
    return;
  }

  try {
    const { instance } = await import('@viz-js/viz');
    const viz = await instance();
    const svg = viz.renderSVGElement(dot);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'Computational graph of the network');
    svg.removeAttribute('width');
    svg.removeAttribute('height');
    replace(target, h('div', { class: 'graph-scroll' }, svg));
  } catch (error) {
    replace(
      target,
      h('p', { class: 'notice' }, `Graphviz could not draw the graph: ${String(error)}`),
    );
  }
}

function graphUnavailable(error: unknown): string {
  if (error instanceof ApiError && error.isMissingRoute) {
    return 'This server does not describe computational graphs yet (GET /v1/jobs/{id}/graph is missing).';
  }
  return `The graph is not available: ${error instanceof Error ? error.message : String(error)}`;
}
