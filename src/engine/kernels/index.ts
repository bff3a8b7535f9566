import { jsKernels } from './js-kernels.js';
import type { Kernels } from './kernels.js';
import { createWasmKernels, isWasmSimdSupported } from './wasm-kernels.js';

export type { F64, Kernels, MatmulShape } from './kernels.js';
export { jsKernels } from './js-kernels.js';
export { createWasmKernels } from './wasm-kernels.js';

let fastest: Kernels | undefined;

/** The fastest kernels this runtime supports, created once per thread. */
export function defaultKernels(): Kernels {
  fastest ??= isWasmSimdSupported() ? createWasmKernels() : jsKernels;
  return fastest;
}
