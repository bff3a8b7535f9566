/**
 * The numeric kernels every op and optimizer runs on: plain loops over flat Float64Arrays.
 * The graph never touches numbers itself, so a faster implementation (see wasm-kernels.ts) can
 * replace these without any change to ops, layers or training.
 *
 * Contract shared by all implementations: every result is bit-identical to the plain-JS kernel.
 * A matmul element is the sum over p in increasing order, starting from +0, of a[i,p]·b[p,j],
 * added to the old value last when accumulating. Training results therefore never depend on
 * which implementation ran.
 */
export type F64 = Float64Array;

/** Dimensions of out[m×n] (+)= op(a)·op(b), where op(a) is m×k and op(b) is k×n. */
export interface MatmulShape {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  /** a is stored k×m and used transposed. */
  readonly transposeA: boolean;
  /** b is stored n×k and used transposed. */
  readonly transposeB: boolean;
  /** Add the product into out instead of overwriting it. */
  readonly accumulate: boolean;
}

export interface Kernels {
  readonly name: string;

  matmul(a: F64, b: F64, out: F64, shape: MatmulShape): void;

  /** out[r, c] = x[r, c] + bias[c] for an x of rows × cols. */
  addBias(x: F64, bias: F64, out: F64, rows: number, cols: number): void;
  /** dBias[c] += Σ_r dy[r, c]. */
  accumulateColumnSums(dy: F64, dBias: F64, rows: number, cols: number): void;

  sigmoid(x: F64, y: F64): void;
  /** dx += dy · y · (1 − y), from the forward output y. */
  sigmoidBackward(y: F64, dy: F64, dx: F64): void;
  tanh(x: F64, y: F64): void;
  /** dx += dy · (1 − y²). */
  tanhBackward(y: F64, dy: F64, dx: F64): void;
  /** y = x for x > 0, else alpha·x (relu is alpha = 0). */
  leakyRelu(x: F64, y: F64, alpha: number): void;
  /** dx += dy where x > 0, else alpha·dy. */
  leakyReluBackward(x: F64, dy: F64, dx: F64, alpha: number): void;

  /** y += x (also the identity's backward). */
  accumulate(x: F64, y: F64): void;

  /** w −= learningRate · g. */
  sgdUpdate(w: F64, g: F64, learningRate: number): void;
  /** TF.js MomentumOptimizer: a = momentum·a + g; w −= lr·a, or lr·(g + momentum·a) (Nesterov). */
  momentumUpdate(
    w: F64,
    g: F64,
    accumulation: F64,
    learningRate: number,
    momentum: number,
    useNesterov: boolean,
  ): void;
  /** TF.js AdamOptimizer with the bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ passed in. */
  adamUpdate(
    w: F64,
    g: F64,
    m: F64,
    v: F64,
    learningRate: number,
    beta1: number,
    beta2: number,
    epsilon: number,
    correction1: number,
    correction2: number,
  ): void;
  /** TF.js RMSPropOptimizer (centered keeps a running mean of g in meanGrad). */
  rmspropUpdate(
    w: F64,
    g: F64,
    meanSquare: F64,
    moment: F64,
    meanGrad: F64 | null,
    learningRate: number,
    decay: number,
    momentum: number,
    epsilon: number,
  ): void;
  /** TF.js AdagradOptimizer: a += g²; w −= lr · g / √(a + ε). */
  adagradUpdate(w: F64, g: F64, accumulator: F64, learningRate: number, epsilon: number): void;
}
