import type { LayerParameters, NetworkDefinition } from '../engine/index.js';

/** A trained network as the exporters take it. */
export interface ExportableModel {
  /** Names the model inside the file: the job id. */
  readonly name: string;
  readonly network: NetworkDefinition;
  /** The epoch whose weights these are. */
  readonly epoch: number;
  readonly layers: readonly LayerParameters[];
}

/** The largest finite float32. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** A weight too large for float32: it would be exported as ±Infinity. */
export class UnrepresentableWeightError extends Error {
  constructor(
    readonly path: string,
    readonly value: number,
  ) {
    super(`${path} holds ${value}, beyond the float32 range of ±${FLOAT32_MAX}`);
    this.name = 'UnrepresentableWeightError';
  }
}

/**
 * Every layer's W and then b, as little-endian IEEE 754 float32: the weight format of both ONNX
 * (raw_data) and TF.js weight files. Written through a DataView so the byte order does not
 * depend on the CPU. Rounding to float32 changes a weight by at most one part in 2²⁴.
 */
export function layerWeightsAsFloat32(
  layers: readonly LayerParameters[],
): { W: Uint8Array; b: Uint8Array }[] {
  return layers.map(({ W, b }, index) => ({
    W: float32LittleEndian(W.data, `layers[${index}].W`),
    b: float32LittleEndian(b.data, `layers[${index}].b`),
  }));
}

function float32LittleEndian(values: Float64Array, path: string): Uint8Array {
  const bytes = new Uint8Array(4 * values.length);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    const rounded = Math.fround(values[i]);
    if (!Number.isFinite(rounded)) throw new UnrepresentableWeightError(path, values[i]);
    view.setFloat32(4 * i, rounded, true);
  }
  return bytes;
}
