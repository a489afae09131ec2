// 2-D convolution over NHWC tensors by im2col + GEMM.
//
// x [N, H, W, Cin], weight [Cout, kh, kw, Cin] viewed as [Cout, P] with P = k·k·Cin,
// y [N, oH, oW, Cout]. The patch matrix ("col") of a chunk of images is [rows, P], one row per
// output position, so
//   forward:   y[rows, Cout]  = col · weightᵀ               (+ bias)
//   backward:  dweight[Cout, P] += dyᵀ · col
//              dcol[rows, P]  = dy · weight, then col2im adds dcol into dx
// Channels-last makes y come out of the GEMM in its final layout (no transposes), and every
// im2col copy moves Cin contiguous Floats. Images are processed in chunks so the patch matrix
// stays a few MiB however large the batch (memory and cache); the backward rebuilds the
// chunk's patches rather than keeping them from the forward.

import KernelSIMD

/// The shapes of one convolution.
public struct Conv2dGeometry: Equatable, Sendable {
    public var batch: Int
    public var height: Int
    public var width: Int
    public var inChannels: Int
    public var outChannels: Int
    public var kernel: Int
    public var stride: Int
    public var padding: Int

    public init(batch: Int, height: Int, width: Int, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0) {
        self.batch = batch; self.height = height; self.width = width
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = kernel; self.stride = stride; self.padding = padding
    }

    public var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
    public var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }
    /// Output positions per image.
    public var positions: Int { outHeight * outWidth }
    /// Length of one patch (a row of col): k·k·Cin.
    public var patch: Int { kernel * kernel * inChannels }
    /// A 1×1, stride-1, unpadded convolution is a plain GEMM on x itself.
    public var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }
    public var inputCount: Int { batch * height * width * inChannels }
    public var outputCount: Int { batch * positions * outChannels }
    public var weightCount: Int { outChannels * patch }

    /// Images per chunk: the patch matrix stays under `colBudget` Floats, unless that leaves
    /// fewer than `minimumChunkRows` rows (a GEMM that short spends its time packing the
    /// weights: WRN's last group has 7×7 images and 2304×256 weights); at least one image.
    public var chunkImages: Int {
        let fitting = Conv2dGeometry.colBudget / max(1, positions * patch)
        let enoughRows = (Conv2dGeometry.minimumChunkRows + positions - 1) / max(1, positions)
        return max(1, min(batch, max(fitting, enoughRows)))
    }
    /// Floats of the patch matrix of one chunk.
    var colCount: Int { isPointwise || usesDirectKernels ? 0 : chunkImages * positions * patch }
    /// Floats of scratch `conv2dForward` and `conv2dBackward` need: col and dcol for im2col,
    /// the weight-gradient partials for the direct kernels.
    public var scratchCount: Int { usesDirectKernels ? directScratchCount : 2 * colCount }
    /// 256 Ki Floats (1 MiB, an L2 cache of the machines met): the GEMM packs a chunk's patches
    /// while im2col's writes are still in L2 (docs/performance.md has the measurement).
    public static let colBudget = 1 << 18
    /// Rows a chunk's GEMMs get at least (see `chunkImages`).
    public static let minimumChunkRows = 512
}

/// col [images·oH·oW, P] ← the patches of images `first ..< first + count` of x.
public func im2col(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>, geometry g: Conv2dGeometry,
                   firstImage: Int, imageCount: Int, pool: ThreadPool = .shared) {
    let oH = g.outHeight, oW = g.outWidth, Cin = g.inChannels, P = g.patch, k = g.kernel
    parallelRanges(imageCount * oH, grain: 4, pool: pool) { outRows in
        for outRow in outRows {
            let n = firstImage + outRow / oH, oy = outRow % oH
            for ox in 0..<oW {
                var dst = col + (outRow * oW + ox) * P
                for ky in 0..<k {
                    let iy = oy * g.stride - g.padding + ky
                    for kx in 0..<k {
                        let ix = ox * g.stride - g.padding + kx
                        if iy >= 0 && iy < g.height && ix >= 0 && ix < g.width {
                            copyFloats(x + ((n * g.height + iy) * g.width + ix) * Cin, dst, Cin)
                        } else {
                            zeroFloats(dst, Cin)
                        }
                        dst += Cin
                    }
                }
            }
        }
    }
}

/// dx (images `first ..< first + count`) ← Σ of the patch gradients in dcol over the positions
/// each input pixel feeds; the images' dx is overwritten. Threads split images (disjoint writes).
public func col2im(_ dcol: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, geometry g: Conv2dGeometry,
                   firstImage: Int, imageCount: Int, pool: ThreadPool = .shared) {
    let oH = g.outHeight, oW = g.outWidth, Cin = g.inChannels, P = g.patch, k = g.kernel
    let imageSize = g.height * g.width * Cin
    parallelRanges(imageCount, grain: 1, pool: pool) { images in
        for local in images {
            let n = firstImage + local
            let image = dx + n * imageSize
            zeroFloats(image, imageSize)
            for oy in 0..<oH {
                for ox in 0..<oW {
                    var src = dcol + ((local * oH + oy) * oW + ox) * P
                    for ky in 0..<k {
                        let iy = oy * g.stride - g.padding + ky
                        for kx in 0..<k {
                            let ix = ox * g.stride - g.padding + kx
                            if iy >= 0 && iy < g.height && ix >= 0 && ix < g.width {
                                let dst = image + (iy * g.width + ix) * Cin
                                var c = 0
                                while c + 8 <= Cin { store8(load8(dst + c) + load8(src + c), dst + c); c += 8 }
                                while c < Cin { dst[c] += src[c]; c += 1 }
                            }
                            src += Cin
                        }
                    }
                }
            }
        }
    }
}

/// Forward: y [N, oH, oW, Cout] = conv(x, weight) + bias (bias [Cout] optional).
/// scratch: `geometry.scratchCount` Floats.
public func conv2dForward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                          _ y: UnsafeMutablePointer<Float>, geometry g: Conv2dGeometry,
                          scratch: UnsafeMutablePointer<Float>?, pool: ThreadPool = .shared) {
    if g.usesDirectKernels {
        conv2dDirectForward(x, weight: weight, bias: bias, y, geometry: g, pool: pool)
        return
    }
    let col = scratch
    let chunk = g.isPointwise ? g.batch : g.chunkImages
    var first = 0
    while first < g.batch {
        let count = min(chunk, g.batch - first)
        let rows = count * g.positions
        let patches = chunkPatches(x, col, geometry: g, firstImage: first, imageCount: count, pool: pool)
        let out = y + first * g.positions * g.outChannels
        gemm(transposeA: false, transposeB: true, m: rows, n: g.outChannels, k: g.patch, alpha: 1,
             a: patches, lda: g.patch, b: weight, ldb: g.patch, beta: 0, c: out, ldc: g.outChannels, pool: pool)
        if let bias {
            addRowVector(bias, to: out, rows: rows, cols: g.outChannels, pool: pool)
        }
        first += count
    }
}

/// Backward: dweight [Cout, P] += dyᵀ·col; dbias [Cout] += Σ dy (if given);
/// dx [N, H, W, Cin] overwritten (if given). scratch: `geometry.scratchCount` Floats.
public func conv2dBackward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, outputGradient dy: UnsafePointer<Float>,
                           weightGradient dweight: UnsafeMutablePointer<Float>, biasGradient dbias: UnsafeMutablePointer<Float>?,
                           inputGradient dx: UnsafeMutablePointer<Float>?, geometry g: Conv2dGeometry,
                           scratch: UnsafeMutablePointer<Float>?, pool: ThreadPool = .shared) {
    if g.usesDirectKernels {
        conv2dDirectBackward(x, weight: weight, outputGradient: dy, weightGradient: dweight, biasGradient: dbias,
                             inputGradient: dx, geometry: g, scratch: scratch!, pool: pool)
        return
    }
    let col = scratch, dcol = scratch.map { $0 + g.colCount }
    if let dbias {
        columnSums(dy, rows: g.batch * g.positions, cols: g.outChannels, into: dbias, accumulate: true, pool: pool)
    }
    let chunk = g.isPointwise ? g.batch : g.chunkImages
    var first = 0
    while first < g.batch {
        let count = min(chunk, g.batch - first)
        let rows = count * g.positions
        let outGradient = dy + first * g.positions * g.outChannels
        let patches = chunkPatches(x, col, geometry: g, firstImage: first, imageCount: count, pool: pool)
        gemm(transposeA: true, transposeB: false, m: g.outChannels, n: g.patch, k: rows, alpha: 1,
             a: outGradient, lda: g.outChannels, b: patches, ldb: g.patch, beta: 1, c: dweight, ldc: g.patch, pool: pool)
        if let dx {
            if g.isPointwise {
                gemm(transposeA: false, transposeB: false, m: rows, n: g.patch, k: g.outChannels, alpha: 1,
                     a: outGradient, lda: g.outChannels, b: weight, ldb: g.patch, beta: 0,
                     c: dx + first * g.positions * g.inChannels, ldc: g.patch, pool: pool)
            } else {
                gemm(transposeA: false, transposeB: false, m: rows, n: g.patch, k: g.outChannels, alpha: 1,
                     a: outGradient, lda: g.outChannels, b: weight, ldb: g.patch, beta: 0, c: dcol!, ldc: g.patch, pool: pool)
                col2im(dcol!, dx, geometry: g, firstImage: first, imageCount: count, pool: pool)
            }
        }
        first += count
    }
}

/// y[r, c] += v[c] for a row-major y [rows, cols].
public func addRowVector(_ v: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                         pool: ThreadPool = .shared) {
    parallelRanges(rows, grain: 1024, pool: pool) { range in
        for r in range {
            let row = y + r * cols
            for c in 0..<cols { row[c] += v[c] }
        }
    }
}

/// Naive twin of the convolution, straight from the definition:
/// y[n, oy, ox, co] = bias[co] + Σ_{ky, kx, ci} x[n, oy·s − p + ky, ox·s − p + kx, ci] · w[co, ky, kx, ci].
/// With dy given, also dx, dweight, dbias (not accumulated). Double accumulators.
public func conv2dNaive(x: [Float], weight: [Float], bias: [Float]?, geometry g: Conv2dGeometry, outputGradient dy: [Float]?)
    -> (y: [Float], dx: [Float], dweight: [Float], dbias: [Float]) {
    var y = [Float](repeating: 0, count: g.outputCount)
    var dx = [Double](repeating: 0, count: g.inputCount)
    var dweight = [Double](repeating: 0, count: g.weightCount)
    var dbias = [Double](repeating: 0, count: g.outChannels)
    let k = g.kernel, Cin = g.inChannels
    for n in 0..<g.batch { for oy in 0..<g.outHeight { for ox in 0..<g.outWidth { for co in 0..<g.outChannels {
        let o = ((n * g.outHeight + oy) * g.outWidth + ox) * g.outChannels + co
        var sum = Double(bias?[co] ?? 0)
        let grad = Double(dy?[o] ?? 0)
        dbias[co] += grad
        for ky in 0..<k { for kx in 0..<k {
            let iy = oy * g.stride - g.padding + ky, ix = ox * g.stride - g.padding + kx
            guard iy >= 0 && iy < g.height && ix >= 0 && ix < g.width else { continue }
            for ci in 0..<Cin {
                let xi = ((n * g.height + iy) * g.width + ix) * Cin + ci
                let wi = ((co * k + ky) * k + kx) * Cin + ci
                sum += Double(x[xi]) * Double(weight[wi])
                dx[xi] += grad * Double(weight[wi])
                dweight[wi] += grad * Double(x[xi])
            }
        } }
        y[o] = Float(sum)
    } } } }
    return (y, dx.map(Float.init), dweight.map(Float.init), dbias.map(Float.init))
}

/// The patch matrix [count·H'·W', P] of images first..<first+count: x itself for a pointwise
/// convolution (1×1, stride 1, no padding), else im2col into `col`.
private func chunkPatches(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>?, geometry g: Conv2dGeometry,
                          firstImage first: Int, imageCount count: Int, pool: ThreadPool) -> UnsafePointer<Float> {
    if g.isPointwise { return x + first * g.positions * g.inChannels }
    im2col(x, col!, geometry: g, firstImage: first, imageCount: count, pool: pool)
    return UnsafePointer(col!)
}
