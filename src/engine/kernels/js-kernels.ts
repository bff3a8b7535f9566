import type { F64, Kernels, MatmulShape } from './kernels.js';

/** One row of a matmul result, reused so the hot loop allocates nothing. */
let rowScratch = new Float64Array(256);

function scratchRow(n: number): F64 {
  if (rowScratch.length < n) rowScratch = new Float64Array(n);
  return rowScratch;
}

/**
 * out[m×n] (+)= op(a)·op(b). Row i of the result is built in a scratch row as Σ_p a[i,p]·b[p,:]
 * in increasing p, then stored or added: the summation order the kernels contract fixes.
 */
function matmul(a: F64, b: F64, out: F64, shape: MatmulShape): void {
  const { m, k, n, transposeA, transposeB, accumulate } = shape;
  const row = scratchRow(n);

  for (let i = 0; i < m; i++) {
    row.fill(0, 0, n);
    for (let p = 0; p < k; p++) {
      const aip = transposeA ? a[p * m + i] : a[i * k + p];
      if (transposeB) {
        for (let j = 0; j < n; j++) row[j] += aip * b[j * k + p];
      } else {
        const offset = p * n;
        for (let j = 0; j < n; j++) row[j] += aip * b[offset + j];
      }
    }

    const base = i * n;
    if (accumulate) {
      for (let j = 0; j < n; j++) out[base + j] += row[j];
    } else {
      for (let j = 0; j < n; j++) out[base + j] = row[j];
    }
  }
}

export const jsKernels: Kernels = {
  name: 'js',
  matmul,

  addBias(x, bias, out, rows, cols) {
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      for (let c = 0; c < cols; c++) out[base + c] = x[base + c] + bias[c];
    }
  },

  accumulateColumnSums(dy, dBias, rows, cols) {
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      for (let c = 0; c < cols; c++) dBias[c] += dy[base + c];
    }
  },

  sigmoid(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = 1 / (1 + Math.exp(-x[i]));
  },

  sigmoidBackward(y, dy, dx) {
    for (let i = 0; i < y.length; i++) dx[i] += dy[i] * y[i] * (1 - y[i]);
  },

  tanh(x, y) {
    for (let i = 0; i < x.length; i++) y[i] = Math.tanh(x[i]);
  },

  tanhBackward(y, dy, dx) {
    for (let i = 0; i < y.length; i++) dx[i] += dy[i] * (1 - y[i] * y[i]);
  },

  leakyRelu(x, y, alpha) {
    for (let i = 0; i < x.length; i++) y[i] = x[i] > 0 ? x[i] : alpha * x[i];
  },

  leakyReluBackward(x, dy, dx, alpha) {
    for (let i = 0; i < x.length; i++) dx[i] += x[i] > 0 ? dy[i] : alpha * dy[i];
  },

  accumulate(x, y) {
    for (let i = 0; i < x.length; i++) y[i] += x[i];
  },

  sgdUpdate(w, g, learningRate) {
    for (let i = 0; i < w.length; i++) w[i] -= learningRate * g[i];
  },

  momentumUpdate(w, g, accumulation, learningRate, momentum, useNesterov) {
    for (let i = 0; i < w.length; i++) {
      const a = momentum * accumulation[i] + g[i];
      accumulation[i] = a;
      w[i] -= useNesterov ? learningRate * (g[i] + momentum * a) : learningRate * a;
    }
  },

  adamUpdate(w, g, m, v, learningRate, beta1, beta2, epsilon, correction1, correction2) {
    for (let i = 0; i < w.length; i++) {
      const gi = g[i];
      const mi = beta1 * m[i] + (1 - beta1) * gi;
      const vi = beta2 * v[i] + (1 - beta2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      w[i] -= (mi / correction1 / (Math.sqrt(vi / correction2) + epsilon)) * learningRate;
    }
  },

  rmspropUpdate(w, g, meanSquare, moment, meanGrad, learningRate, decay, momentum, epsilon) {
    for (let i = 0; i < w.length; i++) {
      const gi = g[i];
      const ms = decay * meanSquare[i] + (1 - decay) * gi * gi;
      meanSquare[i] = ms;
      let denominator = ms;
      if (meanGrad) {
        const mg = decay * meanGrad[i] + (1 - decay) * gi;
        meanGrad[i] = mg;
        // Var(g) + ε under the root, as TensorFlow's kernel has it; TF.js subtracts ε here
        // instead, which turns the step into NaN once the variance falls below ε.
        denominator = ms - mg * mg;
      }
      const step = momentum * moment[i] + (learningRate * gi) / Math.sqrt(denominator + epsilon);
      moment[i] = step;
      w[i] -= step;
    }
  },

  adagradUpdate(w, g, accumulator, learningRate, epsilon) {
    for (let i = 0; i < w.length; i++) {
      const a = accumulator[i] + g[i] * g[i];
      accumulator[i] = a;
      w[i] -= (g[i] / Math.sqrt(a + epsilon)) * learningRate;
    }
  },
};
