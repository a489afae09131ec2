// Pooling over NHWC tensors: x is [N, H, W, C], channels innermost so every inner loop runs
// over C contiguous Floats.

import KernelSIMD

/// 2×2 max-pool, stride 2. x [N, H, W, C] → y [N, H/2, W/2, C] (floor: an odd last row or
/// column is dropped, as in PyTorch). Ties go to the first position in (dy, dx) order.
public func maxPool2Forward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                            batch: Int, height: Int, width: Int, channels: Int, pool: ThreadPool = .shared) {
    let outH = height / 2, outW = width / 2, C = channels
    parallelRanges(batch * outH, grain: 8, pool: pool) { outRows in
        for row in outRows {
            let n = row / outH, oy = row % outH
            for ox in 0..<outW {
                let p00 = x + ((n * height + 2 * oy) * width + 2 * ox) * C
                let p01 = p00 + C, p10 = p00 + width * C, p11 = p10 + C
                let out = y + ((n * outH + oy) * outW + ox) * C
                var c = 0
                while c + 8 <= C {
                    let m = max8(max8(load8(p00 + c), load8(p01 + c)), max8(load8(p10 + c), load8(p11 + c)))
                    store8(m, out + c)
                    c += 8
                }
                while c < C {
                    out[c] = max(max(p00[c], p01[c]), max(p10[c], p11[c]))
                    c += 1
                }
            }
        }
    }
}

/// Backward of `maxPool2Forward`: dx [N, H, W, C] is overwritten; each window's gradient goes
/// to the position that held the maximum (recomputed from x, same tie rule), zeros elsewhere.
public func maxPool2Backward(input x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                             batch: Int, height: Int, width: Int, channels: Int, pool: ThreadPool = .shared) {
    let outH = height / 2, outW = width / 2, C = channels
    parallelRanges(batch, grain: 1, pool: pool) { images in
        for n in images {
            if height % 2 == 1 || width % 2 == 1 {
                zeroFloats(dx + n * height * width * C, height * width * C)
            }
            for oy in 0..<outH {
                for ox in 0..<outW {
                    let offset00 = ((n * height + 2 * oy) * width + 2 * ox) * C
                    let p00 = x + offset00, p01 = p00 + C, p10 = p00 + width * C, p11 = p10 + C
                    let d00 = dx + offset00, d01 = d00 + C, d10 = d00 + width * C, d11 = d10 + C
                    let g = dy + ((n * outH + oy) * outW + ox) * C
                    var c = 0
                    let zero = SIMD8<Float>(repeating: 0)
                    while c + 8 <= C {
                        let a = load8(p00 + c), b = load8(p01 + c), e = load8(p10 + c), f = load8(p11 + c)
                        let m = max8(max8(a, b), max8(e, f))
                        let v = load8(g + c)
                        let first = a .== m
                        let second = (b .== m) .& .!first
                        let third = (e .== m) .& .!(first .| second)
                        let fourth = .!(first .| second .| third)
                        store8(zero.replacing(with: v, where: first), d00 + c)
                        store8(zero.replacing(with: v, where: second), d01 + c)
                        store8(zero.replacing(with: v, where: third), d10 + c)
                        store8(zero.replacing(with: v, where: fourth), d11 + c)
                        c += 8
                    }
                    while c < C {
                        let a = p00[c], b = p01[c], e = p10[c], f = p11[c]
                        var m = a, which = 0
                        if b > m { m = b; which = 1 }
                        if e > m { m = e; which = 2 }
                        if f > m { which = 3 }
                        let v = g[c]
                        d00[c] = which == 0 ? v : 0
                        d01[c] = which == 1 ? v : 0
                        d10[c] = which == 2 ? v : 0
                        d11[c] = which == 3 ? v : 0
                        c += 1
                    }
                }
            }
        }
    }
}

/// Naive twin of the 2×2 max-pool: returns y and, given dy, dx.
public func maxPool2Naive(_ x: [Float], batch: Int, height: Int, width: Int, channels: Int,
                          outputGradient dy: [Float]?) -> (y: [Float], dx: [Float]) {
    let outH = height / 2, outW = width / 2, C = channels
    func at(_ n: Int, _ h: Int, _ w: Int, _ c: Int) -> Int { ((n * height + h) * width + w) * C + c }
    var y = [Float](repeating: 0, count: batch * outH * outW * C)
    var dx = [Float](repeating: 0, count: x.count)
    for n in 0..<batch { for oy in 0..<outH { for ox in 0..<outW { for c in 0..<C {
        var best = at(n, 2 * oy, 2 * ox, c)
        for (dyy, dxx) in [(0, 1), (1, 0), (1, 1)] {
            let i = at(n, 2 * oy + dyy, 2 * ox + dxx, c)
            if x[i] > x[best] { best = i }
        }
        let o = ((n * outH + oy) * outW + ox) * C + c
        y[o] = x[best]
        if let dy { dx[best] += dy[o] }
    } } } }
    return (y, dx)
}

/// Global average pool: x [N, H, W, C] → y [N, C].
public func globalAveragePoolForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                                     batch: Int, positions: Int, channels: Int, pool: ThreadPool = .shared) {
    let C = channels, scale = 1 / Float(positions)
    parallelRanges(batch, grain: 4, pool: pool) { images in
        for n in images {
            let out = y + n * C
            for c in 0..<C { out[c] = 0 }
            for p in 0..<positions {
                let row = x + (n * positions + p) * C
                for c in 0..<C { out[c] += row[c] }
            }
            for c in 0..<C { out[c] *= scale }
        }
    }
}

/// Backward of the global average pool: dx [N, H, W, C] = dy [N, C] / (H·W), broadcast.
public func globalAveragePoolBackward(_ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>,
                                      batch: Int, positions: Int, channels: Int, pool: ThreadPool = .shared) {
    let C = channels, scale = 1 / Float(positions)
    parallelRanges(batch, grain: 4, pool: pool) { images in
        for n in images {
            let g = dy + n * C
            for p in 0..<positions {
                let row = dx + (n * positions + p) * C
                for c in 0..<C { row[c] = g[c] * scale }
            }
        }
    }
}
