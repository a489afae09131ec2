import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How much memory this process may use, in bytes: the least of the physical memory, the
/// address-space limit (`ulimit -v`) and the cgroup's limit (`memory.max`, containers). The
/// planner's estimate (`MemoryEstimate`) is compared with it before a run allocates anything.
public enum MachineMemory {
    /// `SCHEDC_MEMORY_LIMIT` (bytes, or with a k/M/G suffix) replaces the machine's figure:
    /// for tests, and for a machine shared with other work.
    public static func limit(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int? {
        if let text = environment["SCHEDC_MEMORY_LIMIT"], let bytes = parseSize(text) { return bytes }
        var limits: [Int] = []
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        if pages > 0, pageSize > 0 { limits.append(pages.multipliedReportingOverflow(by: pageSize).overflow ? .max : pages * pageSize) }
        var addressSpace = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &addressSpace) == 0, addressSpace.rlim_cur < UInt64(Int.max) {
            limits.append(Int(addressSpace.rlim_cur))
        }
        if let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8),
           let bytes = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
            limits.append(bytes)
        }
        return limits.min()
    }

    /// "8G", "512M", "100000k", "1234": bytes (powers of 1024 for the suffixes, as ulimit's).
    public static func parseSize(_ text: String) -> Int? {
        var digits = text.trimmingCharacters(in: .whitespaces)
        var factor = 1
        if let last = digits.last, let power = ["k": 1, "K": 1, "m": 2, "M": 2, "g": 3, "G": 3, "t": 4, "T": 4][last] {
            factor = 1 << (10 * power)
            digits.removeLast()
        }
        guard let value = Int(digits), value > 0 else { return nil }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: factor)
        return overflow ? nil : bytes
    }
}
