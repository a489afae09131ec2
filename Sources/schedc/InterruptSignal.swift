import Dispatch
import Foundation
import Synchronization

/// SIGINT (Ctrl-C) and SIGTERM during a run: the first asks the run to stop at the next update
/// boundary (the runner checks `isRaised` before every update; the last checkpoint stays
/// intact and the command says how to resume); a second one exits at once (status 130).
final class InterruptSignal: @unchecked Sendable {
    private let raised = Atomic<Bool>(false)
    private var sources: [DispatchSourceSignal] = []
    private let message: String

    /// `message` is printed on standard error when the first signal arrives.
    init(message: String) {
        self.message = message
    }

    var isRaised: Bool { raised.load(ordering: .relaxed) }

    func install() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                if raised.exchange(true, ordering: .relaxed) {
                    writeStandardError("\nschedc: stopped at once\n")
                    exit(130)
                }
                writeStandardError("\n" + message + "\n")
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Restores the default handling (after the run).
    func uninstall() {
        for source in sources { source.cancel() }
        sources.removeAll()
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
