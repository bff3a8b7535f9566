import { jsKernels } from './js-kernels.js';
import type { F64, Kernels, MatmulShape } from './kernels.js';
import { gemmWasmBase64 } from './wasm/gemm-wasm.generated.js';

/**
 * Below this many multiply-adds, copying operands into WebAssembly memory costs more than the
 * SIMD loop saves, so the plain-JS kernel runs instead. Both give bit-identical results
 * (kernels.ts), so the switch never changes a number.
 */
const MIN_WASM_MULTIPLY_ADDS = 4096;

interface GemmExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  packA(src: number, dst: number, m: number, k: number, transposed: boolean): void;
  packB(src: number, dst: number, k: number, n: number, transposed: boolean): void;
  gemm(ap: number, bp: number, c: number, m: number, k: number, n: number): void;
}

const PAGE_BYTES = 65536;

/**
 * Kernels whose matmul runs in WebAssembly SIMD (f64x2, 4×4 register blocks over packed panels);
 * everything else is the plain-JS kernel. Operands are copied into the module's memory for each
 * product: O(mk + kn + mn) copying against O(mkn) arithmetic.
 */
export function createWasmKernels(): Kernels {
  const bytes = Buffer.from(gemmWasmBase64, 'base64');
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    env: {
      abort: () => {
        throw new Error('gemm kernel aborted');
      },
    },
  });
  const wasm = instance.exports as unknown as GemmExports;
  const base = alignTo(wasm.heapBase(), 16);
  let heap = new Float64Array(wasm.memory.buffer);

  // Grows memory to hold `bytes` above the heap base; growing detaches the old view.
  function reserve(bytes: number): void {
    const needed = base + bytes - wasm.memory.buffer.byteLength;
    if (needed > 0) {
      wasm.memory.grow(Math.ceil(needed / PAGE_BYTES));
      heap = new Float64Array(wasm.memory.buffer);
    }
  }

  function matmul(a: F64, b: F64, out: F64, shape: MatmulShape): void {
    const { m, k, n } = shape;
    if (m * k * n < MIN_WASM_MULTIPLY_ADDS) {
      jsKernels.matmul(a, b, out, shape);
      return;
    }

    const paddedM = alignTo(m, 4);
    const paddedN = alignTo(n, 4);
    const aAt = base;
    const bAt = aAt + 8 * alignTo(m * k, 2);
    const packedAAt = bAt + 8 * alignTo(k * n, 2);
    const packedBAt = packedAAt + 8 * paddedM * k;
    const outAt = packedBAt + 8 * paddedN * k;
    reserve(outAt + 8 * m * n - base);

    heap.set(a.subarray(0, m * k), aAt / 8);
    heap.set(b.subarray(0, k * n), bAt / 8);
    wasm.packA(aAt, packedAAt, m, k, shape.transposeA);
    wasm.packB(bAt, packedBAt, k, n, shape.transposeB);
    wasm.gemm(packedAAt, packedBAt, outAt, m, k, n);

    const product = heap.subarray(outAt / 8, outAt / 8 + m * n);
    if (shape.accumulate) {
      for (let i = 0; i < product.length; i++) out[i] += product[i];
    } else {
      out.set(product);
    }
  }

  return { ...jsKernels, name: 'wasm-simd', matmul };
}

function alignTo(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

/** True where this runtime can compile the SIMD module (every Node 20 can). */
export function isWasmSimdSupported(): boolean {
  try {
    new WebAssembly.Module(Buffer.from(gemmWasmBase64, 'base64'));
    return true;
  } catch {
    return false;
  }
}
