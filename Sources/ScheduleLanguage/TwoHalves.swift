import Dispatch

/// Work over 0..<count done in its two halves at once, on two threads, from `parallelFrom`
/// elements on (below that, in one pass on the calling thread). Each half runs in order and
/// the results come back in order, so the result is the one-pass result whenever the work on
/// one element writes nothing the work on another reads. Used by the stages an editor re-runs
/// on every keystroke whose work is per element (plan lints, diagnostics, their JSON).
public enum TwoHalves {
    /// `body` run on each half of 0..<count at once (on 0..<count alone below `parallelFrom`);
    /// its results in order.
    public static func map<Result>(_ count: Int, parallelFrom: Int, _ body: (Range<Int>) -> Result) -> [Result] {
        let parts = count >= parallelFrom ? 2 : 1
        return Array(unsafeUninitializedCapacity: parts) { results, initialized in
            let base = results.baseAddress!
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                (base + part).initialize(to: body((count * part / parts)..<(count * (part + 1) / parts)))
            }
            initialized = parts
        }
    }

    /// `(0..<count).map(transform)`, each half filling its part of the array at once (no
    /// joining copy); `state` gives each half scratch state of its own, e.g. a position cursor.
    public static func elements<State, Element>(_ count: Int, parallelFrom: Int, state: () -> State,
                                                _ transform: (inout State, Int) -> Element) -> [Element] {
        Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            let base = buffer.baseAddress
            _ = map(count, parallelFrom: parallelFrom) { indices in
                var scratch = state()
                for index in indices { (base! + index).initialize(to: transform(&scratch, index)) }
            }
            initialized = count
        }
    }
}
