import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Random,
  createWasmKernels,
  defaultKernels,
  jsKernels,
  type Kernels,
} from '../../../src/engine/index.js';
import type { MatmulShape } from '../../../src/engine/kernels/kernels.js';
import { expectBitIdentical, expectClose } from '../support/numeric.js';

/**
 * The kernels contract (kernels.ts): every implementation gives results bit-identical to the
 * plain-JS kernel, and a matmul element is Σ_p a[i,p]·b[p,j] summed in increasing p from +0,
 * added to the old value last when accumulating. The reference below is that sentence, written
 * as the most naive loop, so both kernels are held to the contract rather than to each other.
 */

const wasmKernels = createWasmKernels();

function referenceMatmul(
  a: Float64Array,
  b: Float64Array,
  out: Float64Array,
  shape: MatmulShape,
): void {
  const { m, k, n, transposeA, transposeB, accumulate } = shape;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let total = 0;
      for (let p = 0; p < k; p++) {
        const aip = transposeA ? a[p * m + i] : a[i * k + p];
        const bpj = transposeB ? b[j * k + p] : b[p * n + j];
        total += aip * bpj;
      }
      out[i * n + j] = accumulate ? out[i * n + j] + total : total;
    }
  }
}

const random = new Random(77);
const randomValues = (length: number) =>
  Float64Array.from({ length }, () => random.uniformBetween(-3, 3));

const FLAGS = [false, true].flatMap((transposeA) =>
  [false, true].flatMap((transposeB) =>
    [false, true].map((accumulate) => ({ transposeA, transposeB, accumulate })),
  ),
);

/** Runs one product through the reference and both kernels and checks all three agree exactly. */
function checkMatmul(
  shape: MatmulShape,
  a: Float64Array,
  b: Float64Array,
  start: Float64Array,
): void {
  const expected = start.slice();
  referenceMatmul(a, b, expected, shape);
  for (const kernels of [jsKernels, wasmKernels]) {
    const out = start.slice();
    kernels.matmul(a, b, out, shape);
    expectBitIdentical(out, expected, `${kernels.name} ${JSON.stringify(shape)}`);
  }
}

describe('matmul kernels', () => {
  // 5·5·5 = 125 multiply-adds is far below the wasm kernel's 4096 threshold, 17·17·17 = 4913 and
  // anything with a 130 just above or well above it: both the JS fallback and the SIMD path run.
  const SIZES = [1, 3, 5, 17, 130];

  for (const flags of FLAGS) {
    it(`match the contract for every size combination with ${JSON.stringify(flags)}`, () => {
      for (const m of SIZES) {
        for (const k of SIZES) {
          for (const n of SIZES) {
            const shape = { m, k, n, ...flags };
            checkMatmul(shape, randomValues(m * k), randomValues(k * n), randomValues(m * n));
          }
        }
      }
    });
  }

  it('match the contract for random shapes and values, zeros and signed zeros included', () => {
    const floats = (length: number) =>
      fc.float64Array({
        minLength: length,
        maxLength: length,
        min: -1e3,
        max: 1e3,
        noNaN: true,
        noDefaultInfinity: true,
      });
    const product = fc
      .record({
        m: fc.integer({ min: 1, max: 40 }),
        k: fc.integer({ min: 1, max: 40 }),
        n: fc.integer({ min: 1, max: 40 }),
        flags: fc.constantFrom(...FLAGS),
      })
      .chain(({ m, k, n, flags }) =>
        fc.record({
          shape: fc.constant({ m, k, n, ...flags }),
          a: floats(m * k),
          b: floats(k * n),
          start: floats(m * n),
        }),
      );

    fc.assert(
      fc.property(product, ({ shape, a, b, start }) => checkMatmul(shape, a, b, start)),
      { numRuns: 150, seed: 4242 },
    );
  });

  it('give the same results after the wasm memory grew for a large product', () => {
    const small = { m: 20, k: 20, n: 20, transposeA: false, transposeB: true, accumulate: false };
    const a = randomValues(400);
    const b = randomValues(400);
    checkMatmul(small, a, b, new Float64Array(400));

    const large = { m: 300, k: 200, n: 150, transposeA: true, transposeB: false, accumulate: true };
    checkMatmul(large, randomValues(300 * 200), randomValues(200 * 150), randomValues(300 * 150));

    checkMatmul(small, a, b, new Float64Array(400));
  });

  it('read only the first m·k and k·n values of operands held in larger buffers', () => {
    const shape = { m: 17, k: 17, n: 17, transposeA: false, transposeB: false, accumulate: false };
    const a = randomValues(17 * 17 + 50);
    const b = randomValues(17 * 17 + 50);
    checkMatmul(shape, a, b, new Float64Array(17 * 17));
  });
});

describe('the default kernels', () => {
  it('are the WebAssembly SIMD kernels on Node 20', () => {
    expect(defaultKernels().name).toBe('wasm-simd');
  });
});

/** Calls the same elementwise kernel on copies of the operands and compares every buffer. */
function compareElementwise(
  name: string,
  operands: () => Float64Array[],
  call: (kernels: Kernels, buffers: Float64Array[]) => void,
): void {
  const seed = operands();
  const results = [jsKernels, wasmKernels].map((kernels) => {
    const buffers = seed.map((buffer) => buffer.slice());
    call(kernels, buffers);
    return buffers;
  });
  results[0].forEach((buffer, index) => {
    expectBitIdentical(results[1][index], buffer, `${name} buffer ${index}`);
  });
}

describe('elementwise and optimizer kernels', () => {
  const length = 1031;
  const values = () => randomValues(length);
  const positive = () => randomValues(length).map(Math.abs);

  const cases: [
    string,
    () => Float64Array[],
    (kernels: Kernels, buffers: Float64Array[]) => void,
  ][] = [
    [
      'addBias',
      () => [randomValues(7 * 13), randomValues(13), new Float64Array(7 * 13)],
      (kernels, [x, bias, out]) => kernels.addBias(x, bias, out, 7, 13),
    ],
    [
      'accumulateColumnSums',
      () => [randomValues(7 * 13), randomValues(13)],
      (kernels, [dy, db]) => kernels.accumulateColumnSums(dy, db, 7, 13),
    ],
    ['sigmoid', () => [values(), values()], (kernels, [x, y]) => kernels.sigmoid(x, y)],
    [
      'sigmoidBackward',
      () => [values(), values(), values()],
      (kernels, [y, dy, dx]) => kernels.sigmoidBackward(y, dy, dx),
    ],
    ['tanh', () => [values(), values()], (kernels, [x, y]) => kernels.tanh(x, y)],
    [
      'tanhBackward',
      () => [values(), values(), values()],
      (kernels, [y, dy, dx]) => kernels.tanhBackward(y, dy, dx),
    ],
    ['leakyRelu', () => [values(), values()], (kernels, [x, y]) => kernels.leakyRelu(x, y, 0.2)],
    [
      'leakyReluBackward',
      () => [values(), values(), values()],
      (kernels, [x, dy, dx]) => kernels.leakyReluBackward(x, dy, dx, 0.2),
    ],
    ['accumulate', () => [values(), values()], (kernels, [x, y]) => kernels.accumulate(x, y)],
    ['sgdUpdate', () => [values(), values()], (kernels, [w, g]) => kernels.sgdUpdate(w, g, 0.1)],
    [
      'momentumUpdate',
      () => [values(), values(), values()],
      (kernels, [w, g, a]) => kernels.momentumUpdate(w, g, a, 0.1, 0.9, true),
    ],
    [
      'adamUpdate',
      () => [values(), values(), values(), positive()],
      (kernels, [w, g, m, v]) =>
        kernels.adamUpdate(w, g, m, v, 0.01, 0.9, 0.999, 1e-7, 0.19, 0.002),
    ],
    [
      'rmspropUpdate',
      () => [values(), values(), positive(), values(), values()],
      (kernels, [w, g, ms, mom, mg]) =>
        kernels.rmspropUpdate(w, g, ms, mom, mg, 0.01, 0.9, 0.5, 1e-7),
    ],
    [
      'adagradUpdate',
      () => [values(), values(), positive()],
      (kernels, [w, g, acc]) => kernels.adagradUpdate(w, g, acc, 0.1, 1e-7),
    ],
  ];

  for (const [name, operands, call] of cases) {
    it(`${name} gives bit-identical results in the wasm and the JS kernels`, () => {
      compareElementwise(name, operands, call);
    });
  }
});

// The update rules, each worked for one value from its published formula.
describe('optimizer update kernels', () => {
  const one = (value: number) => Float64Array.of(value);

  it('sgd steps by −learningRate·g', () => {
    const w = one(1);
    jsKernels.sgdUpdate(w, one(0.5), 0.1);
    expect(w[0]).toBeCloseTo(0.95, 15);
  });

  it('momentum keeps a = m·a + g and steps by lr·a, or by lr·(g + m·a) with Nesterov', () => {
    const w = one(1);
    const a = one(2);
    jsKernels.momentumUpdate(w, one(0.5), a, 0.1, 0.9, false);
    expect(a[0]).toBeCloseTo(2.3, 15);
    expect(w[0]).toBeCloseTo(1 - 0.23, 15);

    const nesterov = one(1);
    jsKernels.momentumUpdate(nesterov, one(0.5), one(2), 0.1, 0.9, true);
    expect(nesterov[0]).toBeCloseTo(1 - 0.1 * (0.5 + 0.9 * 2.3), 15);
  });

  it('adam bias-corrects both moments before the step', () => {
    const w = one(1);
    const m = one(0);
    const v = one(0);
    jsKernels.adamUpdate(w, one(0.5), m, v, 0.01, 0.9, 0.999, 1e-7, 1 - 0.9, 1 - 0.999);
    expect(m[0]).toBeCloseTo(0.05, 15);
    expect(v[0]).toBeCloseTo(0.00025, 15);
    // At step 1 the corrected moments are g and g², so the step is lr·g/(|g| + ε).
    expect(w[0]).toBeCloseTo(1 - (0.01 * 0.5) / (0.5 + 1e-7), 15);
  });

  it('rmsprop divides by √(mean square + ε), non-centered as TF.js', () => {
    const w = one(1);
    const ms = one(0.2);
    const moment = one(0.1);
    jsKernels.rmspropUpdate(w, one(0.5), ms, moment, null, 0.01, 0.9, 0.5, 1e-7);
    const meanSquare = 0.9 * 0.2 + 0.1 * 0.25;
    const step = 0.5 * 0.1 + (0.01 * 0.5) / Math.sqrt(meanSquare + 1e-7);
    expect(ms[0]).toBeCloseTo(meanSquare, 15);
    expect(moment[0]).toBeCloseTo(step, 15);
    expect(w[0]).toBeCloseTo(1 - step, 15);
  });

  it('centered rmsprop divides by √(mean square − mean² + ε), as TensorFlow’s kernel does', () => {
    const w = one(1);
    const meanGrad = one(0.3);
    jsKernels.rmspropUpdate(w, one(0.5), one(0.2), one(0), meanGrad, 0.01, 0.9, 0, 1e-7);
    const meanSquare = 0.9 * 0.2 + 0.1 * 0.25;
    const mean = 0.9 * 0.3 + 0.1 * 0.5;
    expect(meanGrad[0]).toBeCloseTo(mean, 15);
    expect(w[0]).toBeCloseTo(1 - (0.01 * 0.5) / Math.sqrt(meanSquare - mean * mean + 1e-7), 15);
  });

  it('centered rmsprop stays finite once the variance falls below ε', () => {
    const w = one(1);
    // A constant gradient drives mean square − mean² to 0.
    const ms = one(0.25);
    const meanGrad = one(0.5);
    jsKernels.rmspropUpdate(w, one(0.5), ms, one(0), meanGrad, 0.01, 0.9, 0, 1e-7);
    expect(Number.isFinite(w[0])).toBe(true);
  });

  it('adagrad accumulates g² and steps by lr·g/√(a + ε)', () => {
    const w = one(1);
    const accumulator = one(0.1);
    jsKernels.adagradUpdate(w, one(0.5), accumulator, 0.1, 1e-7);
    expect(accumulator[0]).toBeCloseTo(0.35, 15);
    expect(w[0]).toBeCloseTo(1 - (0.1 * 0.5) / Math.sqrt(0.35 + 1e-7), 15);
  });
});

describe('activation kernels', () => {
  it('compute σ, tanh and leaky relu with their derivatives from the forward output', () => {
    const x = Float64Array.of(-2, -0.5, 0.5, 2);
    const y = new Float64Array(4);
    const dy = Float64Array.of(1, 2, 3, 4);

    jsKernels.sigmoid(x, y);
    expectClose(
      y,
      x.map((value) => 1 / (1 + Math.exp(-value))),
      1e-15,
      'σ',
    );
    const dx = new Float64Array(4).fill(1);
    jsKernels.sigmoidBackward(y, dy, dx);
    expectClose(
      dx,
      y.map((value, i) => 1 + dy[i] * value * (1 - value)),
      1e-15,
      'σ′ added to dx',
    );

    jsKernels.tanh(x, y);
    const tanhGrad = new Float64Array(4);
    jsKernels.tanhBackward(y, dy, tanhGrad);
    expectClose(
      tanhGrad,
      x.map((value, i) => dy[i] / Math.cosh(value) ** 2),
      1e-14,
      'tanh′',
    );

    const leakyGrad = new Float64Array(4);
    jsKernels.leakyReluBackward(x, dy, leakyGrad, 0.3);
    expect(Array.from(leakyGrad)).toEqual([0.3 * 1, 0.3 * 2, 3, 4]);
  });
});
