import { ValidationError, type FieldProblem } from '../errors.js';
import type { DatasetBody } from './schemas/dataset.js';

export interface CsvOptions {
  /** Comma-separated target column names. */
  readonly targets?: string;
  /** One column of class indices, stored one-hot. */
  readonly labels?: string;
  readonly name?: string;
}

const MAX_PROBLEMS = 20;

/**
 * Parses a numeric CSV (header row, comma-separated, optional double quotes around names) into
 * a dataset body. Every other column than the targets (or labels) is an input. Problems name
 * the line and column, as a spreadsheet shows them.
 * Large bodies are parsed on the parser thread (see ParserThread), small ones in the route.
 */
export function parseCsvDataset(text: string, options: CsvOptions): DatasetBody {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length < 2) {
    throw new ValidationError([
      { path: 'body', message: 'a CSV dataset needs a header line and at least one data line' },
    ]);
  }

  const header = splitLine(lines[0]).map(unquote);
  const duplicate = header.find((name, index) => header.indexOf(name) !== index);
  if (duplicate !== undefined) {
    throw new ValidationError([{ path: 'header', message: `column "${duplicate}" appears twice` }]);
  }
  const targetColumns = pickColumns(header, options);
  const inputColumns = header
    .map((_, index) => index)
    .filter((index) => !targetColumns.includes(index));
  if (inputColumns.length === 0) {
    throw new ValidationError([
      { path: 'targets', message: 'every column is a target; no input columns remain' },
    ]);
  }

  const problems: FieldProblem[] = [];
  const inputs: number[][] = [];
  const targets: number[][] = [];
  for (let line = 1; line < lines.length && problems.length < MAX_PROBLEMS; line++) {
    const cells = splitLine(lines[line]);
    const row = line - 1;
    if (cells.length !== header.length) {
      problems.push({
        path: `rows[${row}]`,
        message: `line ${line + 1} has ${cells.length} values; the header has ${header.length}`,
      });
      continue;
    }
    const values = cells.map((cell, column) => {
      const text = cell.trim();
      const value = text === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(value) && problems.length < MAX_PROBLEMS) {
        problems.push({
          path: `rows[${row}].${header[column]}`,
          message:
            `line ${line + 1}, column "${header[column]}": ` +
            `${JSON.stringify(text)} is not a finite number`,
        });
      }
      return value;
    });
    inputs.push(inputColumns.map((column) => values[column]));
    targets.push(targetColumns.map((column) => values[column]));
  }
  if (problems.length > 0) throw new ValidationError(problems);

  const name = options.name;
  if (options.labels !== undefined) {
    const labels = targets.map((row) => row[0]);
    const bad = labels.findIndex((label) => !Number.isSafeInteger(label) || label < 0);
    if (bad >= 0) {
      throw new ValidationError([
        {
          path: `rows[${bad}].${options.labels}`,
          message:
            `line ${bad + 2}, column "${options.labels}": ` +
            `${labels[bad]} is not a class index (an integer ≥ 0)`,
        },
      ]);
    }
    return { name, inputs, labels };
  }
  return { name, inputs, targets };
}

function pickColumns(header: string[], options: CsvOptions): number[] {
  if ((options.targets === undefined) === (options.labels === undefined)) {
    throw new ValidationError([
      {
        path: 'targets',
        message: 'name the target columns with ?targets=a,b (or one class column with ?labels=c)',
      },
    ]);
  }
  const names =
    options.labels !== undefined
      ? [options.labels]
      : options.targets!.split(',').map((name) => name.trim());
  return names.map((name) => {
    const index = header.indexOf(name);
    if (index < 0) {
      throw new ValidationError([
        {
          path: options.labels !== undefined ? 'labels' : 'targets',
          message: `no column named "${name}" (columns: ${header.join(', ')})`,
        },
      ]);
    }
    return index;
  });
}

function splitLine(line: string): string[] {
  return line.split(',');
}

function unquote(name: string): string {
  const trimmed = name.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')
    ? trimmed.slice(1, -1)
    : trimmed;
}
