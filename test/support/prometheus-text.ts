/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: every line must
 * be a HELP, TYPE or sample line; every sample must belong to a family declared by a TYPE line
 * before it; histogram buckets must be cumulative and end in +Inf equal to `_count`.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: string;
  help: string;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheusText(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const lines = text.split('\n');
  if (lines.pop() !== '') throw new Error('the exposition must end with a newline');

  lines.forEach((line, index) => {
    const where = `line ${index + 1}`;
    if (line.trim() === '') return;
    if (line.startsWith('# HELP ')) {
      const [name] = line.slice(7).split(' ', 1);
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name in HELP: ${name}`);
      const family = families.get(name);
      if (family) family.help = line.slice(7 + name.length + 1);
      return;
    }
    if (line.startsWith('# TYPE ')) {
      const [name, type, ...rest] = line.slice(7).split(' ');
      if (!NAME.test(name) || !TYPES.has(type) || rest.length > 0)
        throw new Error(`${where}: bad TYPE line: ${line}`);
      if (families.has(name)) throw new Error(`${where}: ${name} declared twice`);
      families.set(name, { name, type, help: '', samples: [] });
      return;
    }
    if (line.startsWith('#')) return;

    const sample = parseSample(line, where);
    const family = familyOf(families, sample.name);
    if (!family) throw new Error(`${where}: sample ${sample.name} has no TYPE line before it`);
    family.samples.push(sample);
  });

  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

/** The value of the one sample named `name` whose labels include `labels`. */
export function sampleValue(
  families: Map<string, MetricFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const family = familyOf(families, name);
  const matches =
    family?.samples.filter(
      (sample) =>
        sample.name === name &&
        Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    ) ?? [];
  if (matches.length > 1)
    throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matches[0]?.value;
}

function familyOf(
  families: Map<string, MetricFamily>,
  sampleName: string,
): MetricFamily | undefined {
  const exact = families.get(sampleName);
  if (exact) return exact;
  const suffix = /_(bucket|sum|count)$/.exec(sampleName);
  if (!suffix) return undefined;
  const family = families.get(sampleName.slice(0, -suffix[0].length));
  return family && (family.type === 'histogram' || family.type === 'summary') ? family : undefined;
}

function parseSample(line: string, where: string): Sample {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)( -?\d+)?$/.exec(line);
  if (!match) throw new Error(`${where}: not a sample line: ${line}`);
  const [, name, labelText, valueText] = match;
  const value = parseValue(valueText);
  if (value === undefined) throw new Error(`${where}: bad value ${valueText}`);
  return { name, labels: labelText ? parseLabels(labelText.slice(1, -1), where) : {}, value };
}

/**
 * As Prometheus reads values (Go's ParseFloat): NaN and Inf in any case; prom-client writes
 * `Nan`.
 */
function parseValue(text: string): number | undefined {
  if (/^\+?inf(inity)?$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(text)) return Number.NaN;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : undefined;
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest.length > 0) {
    const match = /^([^=]+)="((?:[^"\\]|\\[\\"n])*)"(,?)/.exec(rest);
    if (!match || !LABEL_NAME.test(match[1])) throw new Error(`${where}: bad labels {${text}}`);
    if (match[1] in labels) throw new Error(`${where}: label ${match[1]} repeated`);
    labels[match[1]] = match[2].replace(/\\(["\\n])/g, (_all, char: string) =>
      char === 'n' ? '\n' : char,
    );
    rest = rest.slice(match[0].length);
    if (rest.length > 0 && match[3] !== ',')
      throw new Error(`${where}: labels must be separated by commas`);
  }
  return labels;
}

function checkHistogram(family: MetricFamily): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (sample.name.endsWith('_bucket')) {
      const bound = parseValue(le ?? '');
      if (bound === undefined) throw new Error(`${family.name}: bucket without a valid le`);
      entry.buckets.push([bound, sample.value]);
    } else if (sample.name.endsWith('_count')) entry.count = sample.value;
  }
  for (const [key, { buckets, count }] of series) {
    const last = buckets[buckets.length - 1];
    if (!last || last[0] !== Number.POSITIVE_INFINITY)
      throw new Error(`${family.name}${key}: no +Inf bucket last`);
    buckets.forEach(([bound, value], index) => {
      if (index === 0) return;
      const [previousBound, previousValue] = buckets[index - 1];
      if (bound <= previousBound || value < previousValue) {
        throw new Error(`${family.name}${key}: buckets not cumulative`);
      }
    });
    if (last[1] !== count)
      throw new Error(`${family.name}${key}: +Inf bucket ${last[1]} ≠ count ${count}`);
  }
}
