import CBLAS
import CKernels

/// Matrix products: OpenBLAS `cblas_dgemm` for large operands, a plain loop for tiny ones.
extension Tensor {
    /// From this many multiply-adds (m·n·k) on, the dense layer leaves its own C kernel for
    /// OpenBLAS (`Affine`).
    public static let blasThreshold = 32 * 32 * 32

    /// From this many multiply-adds on, `gemm` sends a product to OpenBLAS.
    ///
    /// Measured with `slope-bench --only switch` on the 2-core build machine, in two runs on
    /// 2026-12-02 with the flag-free manifest (the table is in the README): the plain loop
    /// wins only at 2×2·2×2 (8 multiply-adds: 19 ns against 25–30 ns); OpenBLAS, whose small
    /// products skip its threading, wins from 4×4·4×4 (64) on — 1.6× there, 3× at 6×6, 5–10×
    /// from 12×12 — and 1.3–1.7× on the sine fit's thin products (90×25·25×1 and the like)
    /// and at 4×5·5×3 (60). Any limit between 8 and 60 fits both; 32 sits between them. (A
    /// build whose C had -O3 measured the loop ahead up to ~500 multiply-adds; that rule is
    /// gone with the flags.)
    public static let smallProductLimit = 32

    /// Whether a product of these sizes goes to OpenBLAS rather than the plain loop
    /// (`slope_gemm_small`; Aᵀ·Bᵀ always goes to OpenBLAS).
    public static func usesBLAS(m: Int, n: Int, k: Int) -> Bool {
        m * n * k >= smallProductLimit
    }

    /// C = op(A)·op(B), where op transposes when asked. A and B are 2-D.
    public static func matmul(
        _ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false
    ) -> Tensor {
        precondition(a.rank == 2 && b.rank == 2, "matmul of \(a.shape) and \(b.shape)")
        let m = transposeA ? a.shape[1] : a.shape[0]
        let k = transposeA ? a.shape[0] : a.shape[1]
        let kb = transposeB ? b.shape[1] : b.shape[0]
        let n = transposeB ? b.shape[0] : b.shape[1]
        precondition(
            k == kb, "matmul inner sizes differ: \(a.shape)\(transposeA ? "ᵀ" : "") · \(b.shape)\(transposeB ? "ᵀ" : "")")
        var c = Tensor.zeros([m, n])
        gemm(a, b, into: &c, transposeA: transposeA, transposeB: transposeB, accumulate: false)
        return c
    }

    /// C = op(A)·op(B) (+ C when `accumulate`), writing into an existing `[m, n]` tensor.
    public static func gemm(
        _ a: Tensor, _ b: Tensor, into c: inout Tensor,
        transposeA: Bool = false, transposeB: Bool = false, accumulate: Bool
    ) {
        let m = transposeA ? a.shape[1] : a.shape[0]
        let k = transposeA ? a.shape[0] : a.shape[1]
        let n = transposeB ? b.shape[0] : b.shape[1]
        precondition(c.shape == [m, n], "gemm output \(c.shape), expected \([m, n])")
        a.data.withUnsafeBufferPointer { pa in
            b.data.withUnsafeBufferPointer { pb in
                c.data.withUnsafeMutableBufferPointer { pc in
                    gemm(
                        m: m, n: n, k: k, a: pa.baseAddress!, lda: a.shape[1], transposeA: transposeA,
                        b: pb.baseAddress!, ldb: b.shape[1], transposeB: transposeB,
                        c: pc.baseAddress!, accumulate: accumulate)
                }
            }
        }
    }

    /// The raw kernel on row-major buffers; `lda`/`ldb` are the stored row lengths (the layers'
    /// own fast paths; a user calls the tensor form).
    package static func gemm(
        m: Int, n: Int, k: Int,
        a: UnsafePointer<Double>, lda: Int, transposeA: Bool,
        b: UnsafePointer<Double>, ldb: Int, transposeB: Bool,
        c: UnsafeMutablePointer<Double>, accumulate: Bool,
        forceBLAS: Bool? = nil
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if !accumulate { c.update(repeating: 0, count: m * n) }
            return
        }
        // Aᵀ·Bᵀ has no small loop (no layer takes it): always OpenBLAS.
        let useBLAS = (transposeA && transposeB) || (forceBLAS ?? usesBLAS(m: m, n: n, k: k))
        if useBLAS {
            cblas_dgemm(
                CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), 1.0, a, Int32(lda), b, Int32(ldb),
                accumulate ? 1.0 : 0.0, c, Int32(n))
            return
        }
        // A vectorised C loop (CKernels) with one loop order per transpose case.
        slope_gemm_small(
            m, n, k, a, lda, transposeA ? 1 : 0, b, ldb, transposeB ? 1 : 0, c, accumulate ? 1 : 0)
    }
}
