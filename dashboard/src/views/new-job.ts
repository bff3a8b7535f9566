import {
  XOR_INPUTS,
  XOR_NETWORK,
  XOR_TARGETS,
  XOR_TRAINING,
} from '../../../src/api/schemas/examples.js';
import { ACTIVATIONS, INITIALIZERS, LOSSES } from '../../../src/engine/network/definition.js';
import { api, ApiError } from '../api.js';
import { field, h, replace } from '../dom.js';

/**
 * The engine's optimizers (src/engine/optimizers/registry.ts). Not imported: that module pulls
 * in the kernels, which use Node's Buffer; the API names any optimizer it does not know.
 */
const OPTIMIZERS = ['sgd', 'momentum', 'adam', 'rmsprop', 'adagrad'] as const;
/** Files up to this size are shown in the text box; larger ones are sent as they are. */
const EDITABLE_BYTES = 1024 * 1024;

/** The lecture's XOR, the same the API's examples use, one matrix per line. */
const XOR_TEXT = `{
  "inputs": ${JSON.stringify(XOR_INPUTS)},
  "targets": ${JSON.stringify(XOR_TARGETS)}
}`;

/**
 * The "new job" form, prefilled with the lecture's XOR: a dataset (typed, or uploaded as JSON
 * or CSV), the layers with their activations, the loss and the optimizer. Submitting stores
 * the dataset, submits the job and opens its page. Problems the API reports are listed and
 * linked to the fields they name.
 */
export function newJobView(main: HTMLElement): () => void {
  const alert = h('div', { class: 'alert', role: 'alert', tabindex: '-1', hidden: true });
  const name = input(
    { type: 'text', value: 'xor', maxlength: 200, autocomplete: 'off' },
    'dataset.name',
  );
  const file = input(
    { type: 'file', accept: '.json,.csv,application/json,text/csv' },
    'dataset.file',
  );
  const data = h('textarea', {
    rows: 7,
    spellcheck: 'false',
    'data-path': 'dataset',
    class: 'code',
  });
  data.value = XOR_TEXT;
  const targets = input({ type: 'text', value: 'y', autocomplete: 'off' }, 'dataset.targets');
  let uploaded: File | null = null;

  file.addEventListener('change', async () => {
    uploaded = file.files?.[0] ?? null;
    if (!uploaded) return;
    if (!name.value || name.value === 'xor')
      name.value = uploaded.name.replace(/\.(json|csv)$/i, '');
    if (uploaded.size <= EDITABLE_BYTES) {
      data.value = await uploaded.text();
      uploaded = null;
      data.disabled = false;
    } else {
      data.value = `${uploaded.name}: ${(uploaded.size / 1024 / 1024).toFixed(1)} MB, sent as it is.`;
      data.disabled = true;
    }
  });

  const layerList = h('ol', { class: 'layers' });
  for (const layer of XOR_NETWORK.layers) layerList.append(layerRow(layer.units, layer.activation));
  // A new layer goes in before the output layer, like the previous hidden one.
  const addButton = h('button', { type: 'button', class: 'secondary' }, 'Add hidden layer');
  addButton.addEventListener('click', () => {
    const output = layerList.lastElementChild;
    const previous = output?.previousElementSibling?.querySelector('select')?.value ?? 'relu';
    const row = layerRow(8, previous);
    layerList.insertBefore(row, output);
    row.querySelector('input')?.focus();
  });

  const loss = select(LOSSES, XOR_NETWORK.loss, 'network.loss');
  const initializer = select(INITIALIZERS, XOR_NETWORK.initializer, 'network.initializer');
  const epochs = input(
    { type: 'number', min: 1, step: 1, value: XOR_TRAINING.epochs, required: true },
    'training.epochs',
  );
  const optimizer = select(OPTIMIZERS, XOR_TRAINING.optimizer.type, 'training.optimizer.type');
  const learningRate = input(
    { type: 'number', min: 0, step: 'any', value: XOR_TRAINING.optimizer.learningRate },
    'training.optimizer.learningRate',
  );
  const batchSize = input(
    { type: 'number', min: 1, step: 1, placeholder: 'whole dataset' },
    'training.batchSize',
  );
  const seed = input(
    { type: 'number', min: 0, step: 1, value: XOR_TRAINING.seed },
    'training.seed',
  );
  const validationSplit = input(
    { type: 'number', min: 0, max: 0.99, step: 'any', value: 0 },
    'training.validationSplit',
  );
  const shuffle = input({ type: 'checkbox', checked: true }, 'training.shuffle');
  const targetCost = input(
    { type: 'number', min: 0, step: 'any', placeholder: 'none' },
    'training.targetCost',
  );
  const timeLimit = input(
    { type: 'number', min: 1, step: 'any', placeholder: 'none' },
    'training.timeLimitSeconds',
  );
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Start training');

  const form = h(
    'form',
    { class: 'new-job', novalidate: true },
    h(
      'fieldset',
      {},
      h('legend', {}, 'Dataset'),
      field('Name', name),
      field(
        'Upload a file',
        file,
        'JSON { "inputs", "targets" } or { "inputs", "labels" }, or CSV with a header row.',
      ),
      field('Data (JSON or CSV)', data),
      field(
        'Target columns (CSV only)',
        targets,
        'Comma-separated names of the CSV columns to predict.',
      ),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Network'),
      h('p', { class: 'muted' }, "The input size is the dataset's width. Layers, in order:"),
      layerList,
      addButton,
      h('div', { class: 'row' }, field('Loss', loss), field('Initializer', initializer)),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Training'),
      h(
        'div',
        { class: 'row' },
        field('Epochs', epochs),
        field('Optimizer', optimizer),
        field('Learning rate', learningRate),
      ),
      h(
        'div',
        { class: 'row' },
        field('Batch size', batchSize, 'Empty: the whole dataset per step.'),
        field('Seed', seed),
        field('Validation split', validationSplit, 'Fraction of rows held out, 0 to 0.99.'),
      ),
      h(
        'div',
        { class: 'row' },
        field('Target cost', targetCost, 'Stop once the cost is this low.'),
        field('Time limit (seconds)', timeLimit),
      ),
      h('label', { class: 'switch' }, shuffle, ' Shuffle the rows every epoch'),
    ),
    alert,
    h('div', { class: 'actions' }, submit),
  );

  replace(main, h('h1', {}, 'New training job'), form);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    alert.hidden = true;
    form
      .querySelectorAll('[aria-invalid]')
      .forEach((element) => element.removeAttribute('aria-invalid'));
    try {
      const text = uploaded ? await uploaded.text() : data.value;
      const format = /^\s*[{[]/.test(text) ? 'json' : 'csv';
      const dataset = await api
        .uploadDataset(text, format, targets.value.trim(), name.value.trim())
        .catch((error: unknown) => {
          throw new StepError('The dataset was refused', 'dataset', error);
        });
      const job = await api
        .submitJob({
          network: {
            inputSize: dataset.inputSize,
            layers: readLayers(layerList),
            loss: loss.value,
            initializer: initializer.value,
          },
          dataset: { id: dataset.id },
          training: {
            epochs: numberOf(epochs),
            optimizer: {
              type: optimizer.value,
              ...optional('learningRate', numberOf(learningRate)),
            },
            ...optional('batchSize', numberOf(batchSize)),
            ...optional('seed', numberOf(seed)),
            validationSplit: Number(validationSplit.value || 0),
            shuffle: shuffle.checked,
            ...optional('targetCost', numberOf(targetCost)),
            ...optional('timeLimitSeconds', numberOf(timeLimit)),
          },
        })
        .catch((error: unknown) => {
          throw new StepError('The job was refused', '', error);
        });
      location.hash = `#/jobs/${job.id}`;
    } catch (error) {
      showProblems(form, alert, error);
      submit.disabled = false;
    }
  });

  return () => undefined;
}

/** A failure of one step of the submission; `pathPrefix` names the field all its problems point to. */
class StepError extends Error {
  constructor(
    readonly heading: string,
    readonly pathPrefix: string,
    readonly original: unknown,
  ) {
    super(heading);
  }
}

function showProblems(form: HTMLFormElement, alert: HTMLElement, error: unknown): void {
  const step = error instanceof StepError ? error : null;
  const original = step ? step.original : error;
  const heading = step?.heading ?? 'Could not submit';
  const detail = original instanceof Error ? original.message : String(original);
  const problems = original instanceof ApiError ? (original.problem?.errors ?? []) : [];

  replace(
    alert,
    h('p', {}, h('strong', {}, `${heading}: `), detail),
    problems.length > 0 &&
      h(
        'ul',
        {},
        ...problems.map((problem) => {
          const target = findField(form, step?.pathPrefix || problem.path);
          target?.setAttribute('aria-invalid', 'true');
          const text = `${problem.path}: ${problem.message}`;
          return h(
            'li',
            {},
            target ? h('a', { href: `#${target.id}`, 'data-focus': target.id }, text) : text,
          );
        }),
      ),
  );
  alert.hidden = false;
  for (const link of alert.querySelectorAll<HTMLAnchorElement>('a[data-focus]')) {
    link.addEventListener('click', (event) => {
      event.preventDefault();
      document.getElementById(link.dataset.focus!)?.focus();
    });
  }
  alert.focus();
}

/** The control a problem path names: the longest `data-path` that prefixes it. */
function findField(form: HTMLFormElement, path: string): HTMLElement | null {
  let best: HTMLElement | null = null;
  for (const element of form.querySelectorAll<HTMLElement>('[data-path]')) {
    const candidate = element.dataset.path!;
    if (
      (path === candidate ||
        path.startsWith(`${candidate}.`) ||
        path.startsWith(`${candidate}[`)) &&
      candidate.length > (best?.dataset.path?.length ?? -1)
    )
      best = element;
  }
  return best;
}

function layerRow(units: number, activation: string): HTMLElement {
  const row = h('li', { class: 'layer-row' });
  const unitsInput = input({ type: 'number', min: 1, step: 1, value: units, class: 'units' }, '');
  const activationSelect = select(ACTIVATIONS, activation, '');
  const remove = h('button', { type: 'button', class: 'secondary' }, 'Remove');
  remove.addEventListener('click', () => {
    const list = row.parentElement;
    if (list && list.children.length > 1) row.remove();
    renumber(list);
  });
  row.append(field('Units', unitsInput), field('Activation', activationSelect), remove);
  queueMicrotask(() => renumber(row.parentElement));
  return row;
}

/** Keeps labels and problem paths in step with each row's position. */
function renumber(list: Element | null): void {
  if (!list) return;
  Array.from(list.children).forEach((row, index) => {
    const [units, activation] = Array.from(row.querySelectorAll<HTMLElement>('input, select'));
    units.dataset.path = `network.layers[${index}].units`;
    activation.dataset.path = `network.layers[${index}].activation`;
    const labels = row.querySelectorAll('label');
    labels[0].textContent = `Layer ${index + 1} units`;
    labels[1].textContent = `Layer ${index + 1} activation`;
    row.querySelector('button')?.setAttribute('aria-label', `Remove layer ${index + 1}`);
  });
}

function readLayers(list: HTMLElement): { units: number; activation: string }[] {
  return Array.from(list.children).map((row) => ({
    units: numberOf(row.querySelector<HTMLInputElement>('input.units')!) ?? Number.NaN,
    activation: row.querySelector('select')!.value,
  }));
}

function input(
  attributes: Record<string, string | number | boolean>,
  path: string,
): HTMLInputElement {
  const { value, checked, ...rest } = attributes;
  const element = h('input', { ...rest, ...(path ? { 'data-path': path } : {}) });
  if (value !== undefined) element.value = String(value);
  if (checked !== undefined) element.checked = Boolean(checked);
  return element;
}

function select(options: readonly string[], selected: string, path: string): HTMLSelectElement {
  const element = h(
    'select',
    path ? { 'data-path': path } : {},
    ...options.map((option) => h('option', { value: option }, option)),
  );
  element.value = selected;
  return element;
}

/** An empty box is "not given"; anything else is sent as typed, for the API to judge. */
function numberOf(element: HTMLInputElement): number | undefined {
  return element.value.trim() === '' ? undefined : Number(element.value);
}

function optional<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}
