// AssemblyScript source of the WebAssembly SIMD matmul kernel (built by scripts/build-wasm.mjs).
//
// C[m×n] = op(A)·op(B) in float64. Both operands are first packed into 4-wide panels so that the
// inner loop reads 32 contiguous bytes of each per step of p; a 4×4 block of C then lives in
// eight f64x2 registers for the whole sum over p. Each element is summed over p in increasing
// order from +0, exactly like the plain-JS kernel, so both give bit-identical results.
// No allocation happens here: the host lays out every buffer above heapBase().

export function heapBase(): usize {
  return __heap_base;
}

// Ap[(ib·k + p)·4 + r] = A[4·ib + r, p], zero past row m. Transposed: A is stored k×m.
export function packA(src: usize, dst: usize, m: i32, k: i32, transposed: bool): void {
  const blocks = (m + 3) >> 2;
  let out = dst;
  for (let ib = 0; ib < blocks; ib++) {
    for (let p = 0; p < k; p++) {
      for (let r = 0; r < 4; r++) {
        const i = (ib << 2) + r;
        let value: f64 = 0;
        if (i < m) {
          const index = transposed ? p * m + i : i * k + p;
          value = load<f64>(src + (<usize>index << 3));
        }
        store<f64>(out, value);
        out += 8;
      }
    }
  }
}

// Bp[(jb·k + p)·4 + c] = B[p, 4·jb + c], zero past column n. Transposed: B is stored n×k.
export function packB(src: usize, dst: usize, k: i32, n: i32, transposed: bool): void {
  const blocks = (n + 3) >> 2;
  let out = dst;
  for (let jb = 0; jb < blocks; jb++) {
    for (let p = 0; p < k; p++) {
      for (let c = 0; c < 4; c++) {
        const j = (jb << 2) + c;
        let value: f64 = 0;
        if (j < n) {
          const index = transposed ? j * k + p : p * n + j;
          value = load<f64>(src + (<usize>index << 3));
        }
        store<f64>(out, value);
        out += 8;
      }
    }
  }
}

// C (row-major, m×n) = Ap·Bp over packed panels.
export function gemm(ap: usize, bp: usize, c: usize, m: i32, k: i32, n: i32): void {
  const rowBlocks = (m + 3) >> 2;
  const columnBlocks = (n + 3) >> 2;
  const panelBytes = <usize>k << 5;

  for (let ib = 0; ib < rowBlocks; ib++) {
    const aPanel = ap + <usize>ib * panelBytes;
    for (let jb = 0; jb < columnBlocks; jb++) {
      let pa = aPanel;
      let pb = bp + <usize>jb * panelBytes;
      let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
      let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
      let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
      let c30 = f64x2.splat(0), c31 = f64x2.splat(0);

      for (let p = 0; p < k; p++) {
        const b0 = v128.load(pb);
        const b1 = v128.load(pb, 16);
        let a = v128.load64_splat(pa);
        c00 = f64x2.add(c00, f64x2.mul(a, b0));
        c01 = f64x2.add(c01, f64x2.mul(a, b1));
        a = v128.load64_splat(pa, 8);
        c10 = f64x2.add(c10, f64x2.mul(a, b0));
        c11 = f64x2.add(c11, f64x2.mul(a, b1));
        a = v128.load64_splat(pa, 16);
        c20 = f64x2.add(c20, f64x2.mul(a, b0));
        c21 = f64x2.add(c21, f64x2.mul(a, b1));
        a = v128.load64_splat(pa, 24);
        c30 = f64x2.add(c30, f64x2.mul(a, b0));
        c31 = f64x2.add(c31, f64x2.mul(a, b1));
        pa += 32;
        pb += 32;
      }

      const i0 = ib << 2;
      const j0 = jb << 2;
      storeRow(c, i0, j0, m, n, c00, c01);
      storeRow(c, i0 + 1, j0, m, n, c10, c11);
      storeRow(c, i0 + 2, j0, m, n, c20, c21);
      storeRow(c, i0 + 3, j0, m, n, c30, c31);
    }
  }
}

// Writes the four values of one row of a block, dropping those past row m or column n.
@inline
function storeRow(c: usize, i: i32, j0: i32, m: i32, n: i32, low: v128, high: v128): void {
  if (i >= m) return;
  const base = c + (<usize>(i * n + j0) << 3);
  const width = n - j0;
  if (width >= 4) {
    v128.store(base, low);
    v128.store(base, high, 16);
    return;
  }
  store<f64>(base, f64x2.extract_lane(low, 0));
  if (width > 1) store<f64>(base, f64x2.extract_lane(low, 1), 8);
  if (width > 2) store<f64>(base, f64x2.extract_lane(high, 0), 16);
}
