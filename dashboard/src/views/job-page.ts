import { api, ApiError } from '../api.js';
import { storedKey } from '../api-key.js';
import { barChart } from '../charts/bar-chart.js';
import { heatmap } from '../charts/heatmap.js';
import { LineChart } from '../charts/line-chart.js';
import { h, replace } from '../dom.js';
import { downloadLink, jobDownloads, tfjsWeightsDownload } from '../downloads.js';
import { formatNumber, formatPercent, formatTime, progressBar, statusBadge } from '../format.js';
import { renderGraph } from '../graph.js';
import { drawHistorySample } from '../history-sample.js';
import { followJob } from '../job-stream.js';
import { isTerminal, statusVersion, type HistoryItem, type Job, type Model } from '../types.js';

/** A job with more epochs than this opens from a sample of its history, not from every epoch. */
const DENSE_EPOCHS = 2000;
/** How often the weights of a running job are read from its newest checkpoint. */
const WEIGHTS_REFRESH_MS = 5000;
const LAYER_COLORS = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#9333ea',
  '#ea580c',
  '#0891b2',
  '#be185d',
  '#4d7c0f',
];

/**
 * One job: its summary and cancel button, then the cost, accuracy and gradient-norm curves
 * growing epoch by epoch from the job's event stream, the weights of each layer, the
 * computational graph and the downloads.
 */
export function jobPageView(main: HTMLElement, jobId: string): () => void {
  const cleanups: (() => void)[] = [];
  let job: Job | null = null;
  let lastItem: HistoryItem | null = null;
  let summaryPending = false;

  const title = h('h1', {}, 'Job ', h('code', {}, jobId));
  const cancelButton = h(
    'button',
    { type: 'button', class: 'danger', disabled: true },
    'Cancel job',
  );
  const alert = h('div', { class: 'alert', role: 'alert', hidden: true });
  const connection = h('p', { class: 'connection muted', role: 'status' }, 'Connecting…');
  const summary = h('dl', { class: 'summary' });

  const cost = new LineChart({
    title: 'Cost per epoch',
    yLabel: 'cost',
    logSwitch: true,
    series: [
      { label: 'cost', color: '#2563eb' },
      { label: 'validation cost', color: '#ea580c', dash: [6, 4] },
    ],
  });
  const accuracy = new LineChart({
    title: 'Accuracy',
    yLabel: 'accuracy',
    height: 200,
    series: [
      { label: 'accuracy', color: '#16a34a' },
      { label: 'validation accuracy', color: '#9333ea', dash: [6, 4] },
    ],
  });
  const accuracyNote = h('p', { class: 'muted' }, 'No accuracy reported yet.');
  let gradients: LineChart | null = null;
  const gradientsHost = h('div');
  const weightsHost = h('div', { class: 'weights-grid' });
  const weightsNote = h('p', { class: 'muted', role: 'status' });
  const graphHost = h('div', { class: 'graph-panel' });
  const onDownloadError = (error: unknown) => showAlert(`Could not download: ${message(error)}`);
  const downloadsList = h(
    'ul',
    { class: 'downloads' },
    ...jobDownloads(jobId).map((download) => h('li', {}, downloadLink(download, onDownloadError))),
  );

  replace(
    main,
    h('div', { class: 'page-title' }, title, cancelButton),
    alert,
    connection,
    summary,
    section('Cost', 'cost', cost.element),
    section('Accuracy', 'accuracy', accuracyNote, accuracy.element),
    section(
      'Gradient norms per layer',
      'gradients',
      h(
        'p',
        { class: 'muted' },
        "Per layer, √(Σ dW² + Σ db²) of each epoch's last step; a curve that " +
          'sinks toward 0 in the first layers is a vanishing gradient.',
      ),
      gradientsHost,
    ),
    section('Weights and biases', 'weights', weightsNote, weightsHost),
    section('Computational graph', 'graph', graphHost),
    section(
      'Downloads',
      'downloads',
      downloadsList,
      h(
        'p',
        { class: 'muted' },
        'The model exists once the job has finished. ',
        h('a', { href: '/docs' }, 'API documentation'),
      ),
      storedKey() !== null && tfjsWithKeyNote(jobId, onDownloadError),
    ),
  );
  accuracy.element.hidden = true;
  cleanups.push(
    () => cost.destroy(),
    () => accuracy.destroy(),
    () => gradients?.destroy(),
  );

  cancelButton.addEventListener('click', async () => {
    cancelButton.disabled = true;
    try {
      setJob(await api.cancelJob(jobId));
    } catch (error) {
      showAlert(`Could not cancel: ${message(error)}`);
      cancelButton.disabled = false;
    }
  });

  function showAlert(text: string): void {
    alert.hidden = false;
    alert.textContent = text;
  }

  function setJob(next: Job): void {
    if (job && statusVersion(next) < statusVersion(job)) return;
    const first = job === null;
    // A status record can be older than the epochs already drawn: keep the newest progress.
    job =
      lastItem && lastItem.epoch > next.progress.epoch
        ? { ...next, progress: { ...next.progress, epoch: lastItem.epoch }, cost: lastItem.cost }
        : next;
    if (first) start(next);
    scheduleSummary();
  }

  function start(first: Job): void {
    gradients = new LineChart({
      title: 'Gradient norm',
      yLabel: '‖∇‖',
      logScale: true,
      logSwitch: true,
      height: 220,
      series: first.network.layers.map((layer, index) => ({
        label: `layer ${index + 1} (${layer.activation})`,
        color: LAYER_COLORS[index % LAYER_COLORS.length],
      })),
    });
    gradientsHost.append(gradients.element);
    void renderGraph(jobId, graphHost);
    void refreshWeights();
  }

  function scheduleSummary(): void {
    if (summaryPending) return;
    summaryPending = true;
    requestAnimationFrame(() => {
      summaryPending = false;
      renderSummary();
    });
  }

  function renderSummary(): void {
    if (!job) return;
    const current = job;
    const canCancel =
      (current.status === 'queued' || current.status === 'running') && !current.cancelRequested;
    cancelButton.disabled = !canCancel;
    cancelButton.hidden = isTerminal(current.status);
    const layers = current.network.layers
      .map((layer) => `${layer.units} ${layer.activation}`)
      .join(' → ');
    const { optimizer } = current.training;
    const rows: [string, Node | string][] = [
      ['Status', statusBadge(current)],
      ['Progress', progressBar(current)],
      ['Cost', formatNumber(current.cost)],
      ['Validation cost', formatNumber(current.validationCost)],
      ['Accuracy', formatPercent(lastItem?.accuracy)],
      ['Best epoch', current.bestEpoch === null ? '—' : String(current.bestEpoch)],
      ['Stop reason', current.stopReason ?? '—'],
      ['Network', `${current.network.inputSize} → ${layers}, ${current.network.loss}`],
      ['Optimizer', `${optimizer.type}, learning rate ${optimizer.learningRate ?? 'default'}`],
      ['Created', formatTime(current.createdAt)],
      ['Finished', formatTime(current.finishedAt)],
    ];
    if (current.error) rows.push(['Error', `${current.error.code}: ${current.error.message}`]);
    replace(summary, ...rows.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
  }

  function onEpoch(item: HistoryItem): void {
    lastItem = item;
    cost.push(item.epoch, [item.cost, item.validationCost]);
    if (item.accuracy !== undefined) {
      accuracy.element.hidden = false;
      accuracyNote.hidden = true;
      accuracy.push(item.epoch, [item.accuracy, item.validationAccuracy]);
    }
    gradients?.push(item.epoch, item.gradientNorms);
    if (job) {
      job = {
        ...job,
        progress: { ...job.progress, epoch: item.epoch },
        cost: item.cost,
        validationCost: item.validationCost ?? job.validationCost,
      };
      scheduleSummary();
    }
  }

  let weightsTimer: number | undefined;
  let weightCharts: ReturnType<typeof barChart>[] = [];
  /** Numbers weight requests: an answer to an older one (a checkpoint) must not replace a newer. */
  let weightsRequest = 0;
  async function refreshWeights(): Promise<void> {
    window.clearTimeout(weightsTimer);
    if (!job) return;
    const ticket = ++weightsRequest;
    const running = !isTerminal(job.status);
    try {
      const model = await api.getModel(jobId, running);
      if (ticket !== weightsRequest) return;
      showWeights(model);
      weightsNote.textContent = running
        ? `Newest checkpoint: epoch ${model.epoch}. Refreshed every ${WEIGHTS_REFRESH_MS / 1000} s while it runs.`
        : `Final weights, from epoch ${model.epoch}.`;
    } catch (error) {
      if (ticket !== weightsRequest) return;
      weightsNote.textContent =
        error instanceof ApiError && error.status === 409
          ? running
            ? 'No checkpoint yet: the weights appear after the first one.'
            : 'This job ended without a model.'
          : `Could not load the weights: ${message(error)}`;
    }
    if (running) weightsTimer = window.setTimeout(() => void refreshWeights(), WEIGHTS_REFRESH_MS);
  }

  /** A heatmap of each layer's W beside a bar chart of its b. */
  function showWeights(model: Model): void {
    for (const chart of weightCharts) chart.destroy();
    weightCharts = model.layers.map((layer, index) =>
      barChart(`Layer ${index + 1}: b (${units(layer.b.length)})`, layer.b),
    );
    replace(
      weightsHost,
      ...model.layers.map((layer, index) =>
        h(
          'div',
          { class: 'layer' },
          heatmap(
            `Layer ${index + 1}: W (${layer.W.length} inputs × ${units(layer.b.length)}, ${layer.activation})`,
            layer.W,
          ),
          weightCharts[index].element,
        ),
      ),
    );
  }
  cleanups.push(
    () => window.clearTimeout(weightsTimer),
    () => weightCharts.forEach((chart) => chart.destroy()),
  );

  let left = false;
  cleanups.push(() => {
    left = true;
  });
  async function open(found: Job): Promise<void> {
    setJob(found);
    let drawnThrough = 0;
    if (found.progress.epoch > DENSE_EPOCHS) {
      try {
        drawnThrough = await drawHistorySample(jobId, found.progress.epoch, {
          draw: onEpoch,
          stopped: () => left,
        });
      } catch (error) {
        showAlert(`Could not load the history: ${message(error)}`);
        return;
      }
      if (left) return;
    }
    cleanups.push(
      followJob(
        jobId,
        {
          status: (next) => setJob(next),
          epoch: onEpoch,
          end: ({ status, epoch }) => {
            connection.textContent = `Finished: ${status} after epoch ${epoch}.`;
            connection.dataset.state = 'ended';
            void refreshWeights();
          },
          connection: (connected) => {
            if (connection.dataset.state === 'ended') return;
            connection.textContent = connected
              ? 'Live: epochs appear as they are trained.'
              : 'Connection lost; reconnecting…';
            connection.dataset.state = connected ? 'live' : 'reconnecting';
          },
          failed: (error) => {
            connection.textContent = `Live updates stopped: ${error.message}`;
            connection.dataset.state = 'failed';
          },
        },
        drawnThrough,
      ),
    );
  }

  api.getJob(jobId).then(
    (found) => {
      if (left) return; // the reader moved on before the job arrived: open no stream
      void open(found);
    },
    (error) => {
      connection.textContent = '';
      showAlert(
        error instanceof ApiError && error.status === 404
          ? `There is no job ${jobId}.`
          : message(error),
      );
    },
  );

  return () => cleanups.forEach((cleanup) => cleanup());
}

/**
 * Shown when a key is set. TF.js reads model.json, then fetches the weights file it names by a
 * URL relative to it, itself: the dashboard cannot add the header to that second request.
 */
function tfjsWithKeyNote(jobId: string, onError: (error: unknown) => void): HTMLElement {
  const url = `${location.origin}/v1/jobs/${jobId}/tfjs/model.json`;
  const snippet = `const model = await tf.loadLayersModel('${url}', {
  requestInit: { headers: { Authorization: 'Bearer <your API key>' } },
});`;
  return h(
    'div',
    { class: 'note', 'data-note': 'tfjs-key' },
    h(
      'p',
      {},
      'TensorFlow.js fetches model.json, then the weights file it names, ',
      h('code', {}, 'weights.bin'),
      ', from this service. With an API key both requests need the ',
      h('code', {}, 'Authorization'),
      ' header, which ',
      h('code', {}, 'loadLayersModel'),
      ' sends when given ',
      h('code', {}, 'requestInit'),
      ':',
    ),
    h('pre', {}, h('code', {}, snippet)),
    h(
      'p',
      {},
      'Or save ',
      downloadLink(tfjsWeightsDownload(jobId), onError),
      ' beside the downloaded model.json and load the two from your own server or disk.',
    ),
  );
}

function section(title: string, id: string, ...content: (HTMLElement | false)[]): HTMLElement {
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': `section-${id}` },
    h('h2', { id: `section-${id}` }, title),
    ...content,
  );
}

function units(count: number): string {
  return count === 1 ? '1 unit' : `${count} units`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
