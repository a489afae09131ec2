import Foundation
import TensorKernels

/// A BLAS library's fp32 GEMM timed by a Python process, the same way `timeGEMM` times ours (one
/// warm-up call, then the best of three rounds of max(3, 2·10⁹/flops) calls): numpy's matmul
/// (OpenBLAS in the usual wheels and Debian) or Intel MKL's `cblas_sgemm` through ctypes, from an
/// environment that has the `mkl` wheel. MKL is a reference, never a dependency.
public struct GEMMReference {
    public enum Library: String, Sendable, CaseIterable {
        case numpy, mkl
    }

    public var library: Library
    /// The Python interpreter: `python3` on PATH for numpy; for MKL, the `python` of the
    /// environment where `pip install mkl numpy` was run.
    public var python: String

    public init(_ library: Library, python: String = "python3") {
        self.library = library
        self.python = python
    }

    /// Builds the operands and `call()` for the shape in argv; shared by both libraries.
    static let prologue = """
    import os, sys, time
    import numpy as np
    m, n, k, ta, tb = (int(x) for x in sys.argv[1:6])
    rng = np.random.default_rng(0)
    a = rng.standard_normal((k, m) if ta else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n), dtype=np.float32)

    """

    static let numpyBody = """
    a = a.T if ta else a
    b = b.T if tb else b
    def call():
        a @ b

    """

    /// Row-major cblas_sgemm on the stored (untransposed) arrays with the transpose flags, so
    /// MKL reads the same memory layout our kernel and numpy do.
    static let mklBody = """
    import ctypes, glob
    found = sorted(glob.glob(os.path.join(sys.prefix, "lib", "libmkl_rt.so*")))
    if not found:
        sys.exit("MKL is not installed in this environment (pip install mkl numpy)")
    mkl = ctypes.CDLL(found[0])
    mkl.MKL_Set_Num_Threads(ctypes.c_int(int(os.environ.get("MKL_NUM_THREADS", "1"))))
    c = np.zeros((m, n), dtype=np.float32)
    P = ctypes.POINTER(ctypes.c_float)
    pa, pb, pc = (x.ctypes.data_as(P) for x in (a, b, c))
    lda, ldb = a.shape[1], b.shape[1]
    ROW, NOTRANS, TRANS = 101, 111, 112
    sgemm = mkl.cblas_sgemm
    sgemm.restype = None
    sgemm.argtypes = [ctypes.c_int] * 6 + [ctypes.c_float, P, ctypes.c_int, P, ctypes.c_int, ctypes.c_float, P, ctypes.c_int]
    def call():
        sgemm(ROW, TRANS if ta else NOTRANS, TRANS if tb else NOTRANS, m, n, k, 1.0, pa, lda, pb, ldb, 0.0, pc, n)

    """

    static let epilogue = """
    call()  # warm up
    reps = max(3, int(2e9 / (2 * m * n * k)))
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(reps):
            call()
        best = min(best, (time.perf_counter() - t) / reps)
    print(2 * m * n * k / best / 1e9)
    """

    var script: String {
        Self.prologue + (library == .numpy ? Self.numpyBody : Self.mklBody) + Self.epilogue
    }

    /// GFLOP/s of the library on `shape` with `threads` BLAS threads; throws `ReferenceUnavailable`
    /// when it cannot be run.
    public func gflops(_ shape: GEMMShape, threads: Int) throws -> Double {
        let arguments = ["\(shape.m)", "\(shape.n)", "\(shape.k)", shape.transposeA ? "1" : "0", shape.transposeB ? "1" : "0"]
        let environment = Dictionary(uniqueKeysWithValues: ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"].map {
            ($0, "\(threads)")
        })
        let text = try PythonReference.output(python: python, script: script, arguments: arguments, environment: environment)
        guard let value = Double(text) else {
            throw ReferenceUnavailable(description: "\(python) printed '\(text.prefix(80))', not GFLOP/s")
        }
        return value
    }
}
