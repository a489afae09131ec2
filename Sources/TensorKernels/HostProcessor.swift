import Foundation

/// The processor the kernels run on, as Linux describes it: /proc/cpuinfo's first processor
/// (vendor, family, model, name, flags) and the data caches of cpu0 from
/// /sys/devices/system/cpu/cpu0/cache. The micro-kernel is chosen from it, and benchmarks and
/// run directories record it, so every figure says which machine produced it.
public struct HostProcessor: Hashable, Sendable {
    /// One cache level that holds data (L1d, L2, L3).
    public struct Cache: Hashable, Sendable {
        public var level: Int
        public var bytes: Int
        /// How many logical processors share it (1 for a private cache).
        public var sharedBy: Int
    }

    /// "AuthenticAMD", "GenuineIntel"; empty when unknown.
    public var vendor: String
    public var family: Int?
    public var model: Int?
    /// "AMD EPYC 9R14", as the kernel reports it.
    public var name: String
    /// Feature flags (avx2, fma, avx512f, ...).
    public var flags: Set<String>
    /// Data caches from the innermost out.
    public var caches: [Cache]

    public init(vendor: String, family: Int?, model: Int?, name: String, flags: Set<String>, caches: [Cache]) {
        self.vendor = vendor
        self.family = family
        self.model = model
        self.name = name
        self.flags = flags
        self.caches = caches
    }

    /// This machine, read once.
    public static let current: HostProcessor = {
        #if os(Linux)
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        var entries: [(level: String, type: String, size: String, shared: String)] = []
        let directory = "/sys/devices/system/cpu/cpu0/cache"
        for index in (try? FileManager.default.contentsOfDirectory(atPath: directory))?.sorted() ?? [] where index.hasPrefix("index") {
            func read(_ name: String) -> String {
                ((try? String(contentsOfFile: "\(directory)/\(index)/\(name)", encoding: .utf8)) ?? "")
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            entries.append((read("level"), read("type"), read("size"), read("shared_cpu_list")))
        }
        return HostProcessor(cpuinfo: cpuinfo, cacheEntries: entries)
        #else
        return HostProcessor(vendor: "", family: nil, model: nil, name: "", flags: [], caches: [])
        #endif
    }()

    /// Parses /proc/cpuinfo's text (the first processor's block) and sysfs cache entries
    /// (the contents of each index directory's `level`, `type`, `size`, `shared_cpu_list`).
    public init(cpuinfo: String, cacheEntries: [(level: String, type: String, size: String, shared: String)]) {
        var fields: [String: String] = [:]
        for line in cpuinfo.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingCharacters(in: .whitespaces).isEmpty {
                if !fields.isEmpty { break }  // the first processor's block is enough
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if fields[key] == nil { fields[key] = value }
        }
        vendor = fields["vendor_id"] ?? ""
        family = fields["cpu family"].flatMap { Int($0) }
        model = fields["model"].flatMap { Int($0) }
        name = fields["model name"] ?? ""
        flags = Set((fields["flags"] ?? "").split(separator: " ").map(String.init))
        var caches: [Cache] = []
        for entry in cacheEntries where entry.type == "Data" || entry.type == "Unified" {
            guard let level = Int(entry.level), let bytes = HostProcessor.bytes(entry.size) else { continue }
            caches.append(Cache(level: level, bytes: bytes, sharedBy: HostProcessor.count(cpuList: entry.shared)))
        }
        self.caches = caches.sorted { $0.level < $1.level }
    }

    /// The data cache of `level`, if the machine said.
    public func cache(level: Int) -> Cache? { caches.first { $0.level == level } }

    /// 512-bit vectors (AVX-512 Foundation).
    public var hasAVX512: Bool { flags.contains("avx512f") }
    /// 256-bit fused multiply-add.
    public var hasAVX2FMA: Bool { flags.contains("avx2") && flags.contains("fma") }

    /// "AMD EPYC (AuthenticAMD family 25 model 1), AVX2+FMA, L1d 32 KiB, L2 512 KiB, L3 32 MiB shared by 2".
    public var summary: String {
        var parts: [String] = []
        var identity = name.isEmpty ? "unknown processor" : name
        if !vendor.isEmpty || family != nil {
            identity += " (" + [vendor, family.map { "family \($0)" }, model.map { "model \($0)" }]
                .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ") + ")"
        }
        parts.append(identity)
        parts.append(hasAVX512 ? "AVX-512" : hasAVX2FMA ? "AVX2+FMA" : "no AVX2")
        for cache in caches {
            var text = "L\(cache.level)\(cache.level == 1 ? "d" : "") \(HostProcessor.sizeText(cache.bytes))"
            if cache.sharedBy > 1 { text += " shared by \(cache.sharedBy)" }
            parts.append(text)
        }
        return parts.joined(separator: ", ")
    }

    /// "32K" / "512K" / "32768K" / "1M" → bytes.
    static func bytes(_ text: String) -> Int? {
        guard let last = text.last else { return nil }
        let multiplier: Int
        var digits = Substring(text)
        switch last {
        case "K", "k": multiplier = 1 << 10; digits = digits.dropLast()
        case "M", "m": multiplier = 1 << 20; digits = digits.dropLast()
        case "G", "g": multiplier = 1 << 30; digits = digits.dropLast()
        default: multiplier = 1
        }
        guard let value = Int(digits), value > 0 else { return nil }
        return value * multiplier
    }

    /// "0-1,4" → 3.
    static func count(cpuList: String) -> Int {
        var total = 0
        for range in cpuList.split(separator: ",") {
            let ends = range.split(separator: "-").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            if ends.count == 2, ends[1] >= ends[0] { total += ends[1] - ends[0] + 1 } else if ends.count == 1 { total += 1 }
        }
        return max(1, total)
    }

    static func sizeText(_ bytes: Int) -> String {
        bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : bytes % (1 << 10) == 0 ? "\(bytes >> 10) KiB" : "\(bytes) B"
    }
}
