/// Packing: copies a block of op(A) or op(B) into the micro-panel order the micro-kernel reads
/// with unit stride. This is where the transposes are handled, so one micro-kernel serves
/// all four combinations.
///
/// A block of `count` × kc values, where element (x, p) — x along M (for A) or N (for B), p
/// along K — is at `source[x·xStride + p·pStride]`, becomes ⌈count / W⌉ panels of kc×W:
/// `panels[(x / W)·kc·W + p·W + x % W]`. Rows x ≥ count of the last panel are zero, so the
/// micro-kernel can always run on a full tile.
///   op(A) block (mc×kc), W = MR: A as stored → xStride = lda, pStride = 1  (a transpose);
///                                 transposed   → xStride = 1,   pStride = lda (a copy).
///   op(B) block (kc×nc), W = NR: B as stored → xStride = 1,   pStride = ldb (a copy);
///                                 transposed   → xStride = ldb, pStride = 1  (a transpose).
func gemmPackPanels(width: Int, count: Int, kc: Int, source: UnsafePointer<Float>, xStride: Int, pStride: Int,
                    into panels: UnsafeMutablePointer<Float>) {
    // The loops below are only fast when the panel width is a constant the compiler can see.
    switch width {
    case 6: packPanels(width: 6, count: count, kc: kc, source: source, xStride: xStride, pStride: pStride, into: panels)
    case 8: packPanels(width: 8, count: count, kc: kc, source: source, xStride: xStride, pStride: pStride, into: panels)
    case 16: packPanels(width: 16, count: count, kc: kc, source: source, xStride: xStride, pStride: pStride, into: panels)
    case 32: packPanels(width: 32, count: count, kc: kc, source: source, xStride: xStride, pStride: pStride, into: panels)
    default: packPanels(width: width, count: count, kc: kc, source: source, xStride: xStride, pStride: pStride, into: panels)
    }
}

@inline(__always)
private func packPanels(width: Int, count: Int, kc: Int, source: UnsafePointer<Float>, xStride: Int, pStride: Int,
                        into panels: UnsafeMutablePointer<Float>) {
    let fullPanels = count / width
    if xStride == 1 {
        packCopy(width: width, panels: fullPanels, kc: kc, source: source, pStride: pStride, into: panels)
    } else if pStride == 1 {
        for panel in 0..<fullPanels {
            packTranspose(width: width, kc: kc, source: source + panel * width * xStride, xStride: xStride,
                          into: panels + panel * width * kc)
        }
    } else {
        for panel in 0..<fullPanels {
            packGeneral(width: width, rows: width, kc: kc, source: source + panel * width * xStride, xStride: xStride,
                        pStride: pStride, into: panels + panel * width * kc)
        }
    }
    let rows = count - fullPanels * width
    if rows > 0 {
        packGeneral(width: width, rows: rows, kc: kc, source: source + fullPanels * width * xStride, xStride: xStride,
                    pStride: pStride, into: panels + fullPanels * width * kc)
    }
}

/// Each k step is `width` consecutive floats of the source in each panel: vector copies.
/// Eight k steps at a time across all panels, so the source is read as eight sequential row
/// streams and each panel written 8·width floats at a time (panel by panel is 2–3× slower
/// when the block comes from memory; row by row thrashes L1 when a panel is a multiple of 4 KiB).
@inline(__always)
private func packCopy(width: Int, panels: Int, kc: Int, source: UnsafePointer<Float>, pStride: Int,
                      into panel: UnsafeMutablePointer<Float>) {
    let panelFloats = width * kc
    var p0 = 0
    while p0 < kc {
        let steps = min(8, kc - p0)
        for panelIndex in 0..<panels {
            for p in p0..<(p0 + steps) {
                let from = UnsafeRawPointer(source + p * pStride + panelIndex * width)
                let to = UnsafeMutableRawPointer(panel + panelIndex * panelFloats + p * width)
                @inline(__always) func copy<V: SIMD>(_: V.Type, at offset: Int) where V.Scalar == Float {
                    let bytes = offset * MemoryLayout<Float>.stride
                    to.storeBytes(of: from.loadUnaligned(fromByteOffset: bytes, as: V.self), toByteOffset: bytes, as: V.self)
                }
                switch width {
                case 32: copy(SIMD16<Float>.self, at: 0); copy(SIMD16<Float>.self, at: 16)
                case 16: copy(SIMD16<Float>.self, at: 0)
                case 8: copy(SIMD8<Float>.self, at: 0)
                case 6: copy(SIMD4<Float>.self, at: 0); copy(SIMD2<Float>.self, at: 4)
                default:
                    to.assumingMemoryBound(to: Float.self).update(from: from.assumingMemoryBound(to: Float.self), count: width)
                }
            }
        }
        p0 += steps
    }
}

/// Each of the `width` source rows is contiguous along k: a transpose. Narrow panels as
/// scalar loops (the compiler vectorises them well for a constant width ≤ 8); wide ones as
/// 8×8 register transposes, eight floats read from eight rows and eight written per k step.
@inline(__always)
private func packTranspose(width: Int, kc: Int, source: UnsafePointer<Float>, xStride: Int,
                           into panel: UnsafeMutablePointer<Float>) {
    var p = 0
    if width % 8 == 0 && width > 8 {
        typealias V = SIMD8<Float>
        while p + 8 <= kc {
            var x0 = 0
            while x0 < width {
                let rows = UnsafeRawPointer(source + x0 * xStride + p)
                @inline(__always) func row(_ x: Int) -> V {
                    rows.loadUnaligned(fromByteOffset: x * xStride * MemoryLayout<Float>.stride, as: V.self)
                }
                let columns = transpose8x8(row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7))
                let to = UnsafeMutableRawPointer(panel + p * width + x0)
                let step = width * MemoryLayout<Float>.stride
                to.storeBytes(of: columns.0, as: V.self)
                to.storeBytes(of: columns.1, toByteOffset: step, as: V.self)
                to.storeBytes(of: columns.2, toByteOffset: 2 * step, as: V.self)
                to.storeBytes(of: columns.3, toByteOffset: 3 * step, as: V.self)
                to.storeBytes(of: columns.4, toByteOffset: 4 * step, as: V.self)
                to.storeBytes(of: columns.5, toByteOffset: 5 * step, as: V.self)
                to.storeBytes(of: columns.6, toByteOffset: 6 * step, as: V.self)
                to.storeBytes(of: columns.7, toByteOffset: 7 * step, as: V.self)
                x0 += 8
            }
            p += 8
        }
    }
    while p < kc {
        for x in 0..<width { panel[p * width + x] = source[x * xStride + p] }
        p += 1
    }
}

/// The last panel when it has fewer than `width` rows (zero-padded), and any other strides.
/// The padding is zeroed in one pass first (per step it was a library call for a few floats),
/// then each source row is read along k.
private func packGeneral(width: Int, rows: Int, kc: Int, source: UnsafePointer<Float>, xStride: Int, pStride: Int,
                         into panel: UnsafeMutablePointer<Float>) {
    if rows < width { panel.update(repeating: 0, count: width * kc) }
    for x in 0..<rows {
        let from = source + x * xStride
        for p in 0..<kc { panel[p * width + x] = from[p * pStride] }
    }
}

/// Rows r0…r7 (8 floats each) → columns: result.j = (r0[j], r1[j], …, r7[j]).
/// The AVX unpack / shuffle / 128-bit-permute network, written as lane selections the
/// compiler turns into shuffles.
@inline(__always)
func transpose8x8(_ r0: SIMD8<Float>, _ r1: SIMD8<Float>, _ r2: SIMD8<Float>, _ r3: SIMD8<Float>,
                  _ r4: SIMD8<Float>, _ r5: SIMD8<Float>, _ r6: SIMD8<Float>, _ r7: SIMD8<Float>)
    -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
    typealias V = SIMD8<Float>
    // Interleave pairs of rows within each 128-bit half, then pairs of pairs, then swap halves.
    @inline(__always) func unpackLow(_ a: V, _ b: V) -> V { V(a[0], b[0], a[1], b[1], a[4], b[4], a[5], b[5]) }
    @inline(__always) func unpackHigh(_ a: V, _ b: V) -> V { V(a[2], b[2], a[3], b[3], a[6], b[6], a[7], b[7]) }
    @inline(__always) func pairsLow(_ a: V, _ b: V) -> V { V(a[0], a[1], b[0], b[1], a[4], a[5], b[4], b[5]) }
    @inline(__always) func pairsHigh(_ a: V, _ b: V) -> V { V(a[2], a[3], b[2], b[3], a[6], a[7], b[6], b[7]) }
    let t0 = unpackLow(r0, r1), t1 = unpackHigh(r0, r1), t2 = unpackLow(r2, r3), t3 = unpackHigh(r2, r3)
    let t4 = unpackLow(r4, r5), t5 = unpackHigh(r4, r5), t6 = unpackLow(r6, r7), t7 = unpackHigh(r6, r7)
    let s0 = pairsLow(t0, t2), s1 = pairsHigh(t0, t2), s2 = pairsLow(t1, t3), s3 = pairsHigh(t1, t3)
    let s4 = pairsLow(t4, t6), s5 = pairsHigh(t4, t6), s6 = pairsLow(t5, t7), s7 = pairsHigh(t5, t7)
    return (V(lowHalf: s0.lowHalf, highHalf: s4.lowHalf), V(lowHalf: s1.lowHalf, highHalf: s5.lowHalf),
            V(lowHalf: s2.lowHalf, highHalf: s6.lowHalf), V(lowHalf: s3.lowHalf, highHalf: s7.lowHalf),
            V(lowHalf: s0.highHalf, highHalf: s4.highHalf), V(lowHalf: s1.highHalf, highHalf: s5.highHalf),
            V(lowHalf: s2.highHalf, highHalf: s6.highHalf), V(lowHalf: s3.highHalf, highHalf: s7.highHalf))
}
