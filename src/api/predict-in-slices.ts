import { setImmediate as nextTurn } from 'node:timers/promises';
import { outputSize, zerosMatrix, type Matrix, type Predictor } from '../engine/index.js';

/**
 * Predicts `inputs` on the calling (HTTP) thread, `sliceRows` rows at a time, yielding to the
 * event loop between slices: a large batch then delays other requests by one slice at most
 * instead of by its whole run. A batch of one slice runs without yielding at all. Requests may
 * share a cached predictor between slices: each predict call runs to its end synchronously and
 * its outputs are copied out before the next turn, so interleaved requests cannot mix.
 *
 * Slicing covers the prediction only. A large JSON body is parsed on the parser thread before
 * it (see ParserThread, which names what still runs here in one piece).
 */
export async function predictInSlices(
  predictor: Predictor,
  inputs: Matrix,
  sliceRows: number,
): Promise<Matrix> {
  if (inputs.rows <= sliceRows) return predictor.predict(inputs);

  const width = outputSize(predictor.definition);
  const outputs = zerosMatrix(inputs.rows, width);
  for (let from = 0; from < inputs.rows; from += sliceRows) {
    if (from > 0) await nextTurn();
    const rows = Math.min(sliceRows, inputs.rows - from);
    const data = inputs.data.subarray(from * inputs.cols, (from + rows) * inputs.cols);
    const slice = { rows, cols: inputs.cols, data };
    outputs.data.set(predictor.predict(slice).data, from * width);
  }
  return outputs;
}
