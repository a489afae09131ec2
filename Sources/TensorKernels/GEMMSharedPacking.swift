import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// op(B) packed once for all the row shares of a parallel `gemm`, instead of once per share.
///
/// Every row share runs the same (jc, pc) blocks of B in the same order, and each needs the
/// whole kc×nc block. Each block has its own place in one buffer (all of op(B), packed), cut
/// into chunks of micro-panels. A share that reaches a block claims chunks from the block's
/// counter and packs them until none is left unclaimed, then waits until the chunks others
/// claimed are packed. A chunk is claimed only by a thread that packs it at once, so a wait is
/// only ever for a running thread, never for a share that has not started: shares may run
/// concurrently, one after the other on one thread (a busy pool, a worker slow to wake), or
/// anything between, and no share can be held up by one that is not running. That is why
/// each block has its own place rather than a block being reused once every share is done
/// with it: waiting for "every share" would deadlock when they run one after the other.
///
/// The packed bytes of a block are those a share would pack for itself (chunks are whole
/// micro-panels; only the block's last panel is zero-padded), and kc and nc are computed from
/// the whole K and N as each share computed them, so the results are the same bits.
final class GEMMSharedB: @unchecked Sendable {
    /// Above this many packed floats (64 MiB) the shares pack for themselves: the shared buffer
    /// holds all of op(B) and is kept by the calling thread for its next calls.
    static let maximumFloats = 1 << 24

    private let b: UnsafePointer<Float>
    private let bX: Int, bP: Int
    private let nr: Int
    let kcBlock: Int, ncBlock: Int
    private let blocksAlongK: Int
    private let chunksPerBlock: Int
    private let panels: UnsafeMutablePointer<Float>
    /// Per block, at `countersPerBlock · block`: the next chunk to claim, and (one cache line
    /// further, so packers bumping one do not slow claimers reading the other) the chunks packed.
    private let counters: UnsafeMutablePointer<Atomic<Int>>
    private let counterCount: Int
    private static let countersPerBlock = 16

    /// nil when the packed op(B) would exceed `maximumFloats`. op(B)'s element (p, j) is at
    /// b + j·bX + p·bP; kcBlock and ncBlock are those every share uses. The buffer is the
    /// calling thread's (`workspace`), which the shares, running with their own workspaces,
    /// do not otherwise use for B.
    init?(b: UnsafePointer<Float>, bX: Int, bP: Int, n: Int, k: Int, nr: Int, kcBlock: Int, ncBlock: Int,
          shares: Int, workspace: GEMMWorkspace) {
        blocksAlongK = ceilDivide(k, kcBlock)
        let blocks = ceilDivide(n, ncBlock) * blocksAlongK
        let floats = blocks * ncBlock * kcBlock
        if floats > Self.maximumFloats { return nil }
        self.b = b
        self.bX = bX
        self.bP = bP
        self.nr = nr
        self.kcBlock = kcBlock
        self.ncBlock = ncBlock
        // A few chunks per share: the first share to reach a block does not pack all of it
        // while the others wait, and a share that falls behind finds its later blocks packed.
        chunksPerBlock = 4 * shares
        panels = workspace.packedB(count: floats)
        counterCount = blocks * Self.countersPerBlock
        counters = .allocate(capacity: counterCount)
        for i in 0..<counterCount { (counters + i).initialize(to: Atomic(0)) }
    }

    deinit {
        counters.deinitialize(count: counterCount)
        counters.deallocate()
    }

    /// The packed kc×nc block of op(B) at (jc, pc), packed by this thread and others.
    @inline(__always)
    func block(jc: Int, pc: Int, nc: Int, kc: Int) -> UnsafePointer<Float> {
        let index = (jc / ncBlock) * blocksAlongK + pc / kcBlock
        let block = panels + index * ncBlock * kcBlock
        let panelCount = ceilDivide(nc, nr)
        let chunks = min(panelCount, chunksPerBlock)
        let claimed = counters + index * Self.countersPerBlock
        let packed = claimed + Self.countersPerBlock / 2
        if packed.pointee.load(ordering: .acquiring) != chunks {
            pack(block, claimed: claimed, packed: packed, chunks: chunks, panelCount: panelCount, jc: jc, pc: pc, nc: nc, kc: kc)
        }
        return UnsafePointer(block)
    }

    @inline(never)
    private func pack(_ block: UnsafeMutablePointer<Float>, claimed: UnsafeMutablePointer<Atomic<Int>>,
                      packed: UnsafeMutablePointer<Atomic<Int>>, chunks: Int, panelCount: Int,
                      jc: Int, pc: Int, nc: Int, kc: Int) {
        while true {
            // The claim only hands out chunk numbers; the packed data is published by `packed`.
            let chunk = claimed.pointee.wrappingAdd(1, ordering: .relaxed).oldValue
            if chunk >= chunks { break }
            let x0 = panelCount * chunk / chunks * nr
            let x1 = min(nc, panelCount * (chunk + 1) / chunks * nr)
            gemmPackPanels(width: nr, count: x1 - x0, kc: kc, source: b + (jc + x0) * bX + pc * bP,
                           xStride: bX, pStride: bP, into: block + x0 * kc)
            // Releasing: a thread that reads the final count (acquiring) sees every chunk's
            // data, each add heading a release sequence the later adds continue.
            packed.pointee.add(1, ordering: .releasing)
        }
        // Every chunk is claimed; those still being packed are being packed by running threads.
        // Yield now and then in case the packer shares this core (ThreadPool's spin does too).
        var checks = 0
        while packed.pointee.load(ordering: .acquiring) != chunks {
            checks += 1
            if checks & 63 == 0 { sched_yield() }
        }
    }
}
