import XCTest
@testable import TensorKernels

/// The processor description the kernels are chosen from and every benchmark records.
final class HostProcessorTests: XCTestCase {
    static let zen3 = """
    processor\t: 0
    vendor_id\t: AuthenticAMD
    cpu family\t: 25
    model\t\t: 1
    model name\t: AMD EPYC
    flags\t\t: fpu sse2 avx fma avx2 bmi2

    processor\t: 1
    vendor_id\t: SomethingElse
    model name\t: not the first processor
    """

    static let sysfs: [(level: String, type: String, size: String, shared: String)] = [
        ("1", "Data", "32K", "0"), ("1", "Instruction", "32K", "0"), ("2", "Unified", "512K", "0"),
        ("3", "Unified", "32768K", "0-1"),
    ]

    func testParsesTheFirstProcessorAndTheDataCaches() {
        let host = HostProcessor(cpuinfo: Self.zen3, cacheEntries: Self.sysfs)
        XCTAssertEqual(host.vendor, "AuthenticAMD")
        XCTAssertEqual(host.family, 25)
        XCTAssertEqual(host.model, 1)
        XCTAssertEqual(host.name, "AMD EPYC")
        XCTAssertTrue(host.hasAVX2FMA)
        XCTAssertFalse(host.hasAVX512)
        XCTAssertEqual(host.caches.map(\.level), [1, 2, 3], "the instruction cache is not a data cache")
        XCTAssertEqual(host.cache(level: 1)?.bytes, 32 << 10)
        XCTAssertEqual(host.cache(level: 2)?.bytes, 512 << 10)
        XCTAssertEqual(host.cache(level: 3)?.sharedBy, 2)
        XCTAssertEqual(host.summary,
                       "AMD EPYC (AuthenticAMD family 25 model 1), AVX2+FMA, L1d 32 KiB, L2 512 KiB, L3 32 MiB shared by 2")
    }

    func testAVX512AndMissingInformation() {
        let intel = HostProcessor(cpuinfo: "vendor_id : GenuineIntel\nflags : avx2 fma avx512f avx512bw\n", cacheEntries: [])
        XCTAssertTrue(intel.hasAVX512)
        XCTAssertNil(intel.family)
        XCTAssertEqual(intel.summary, "unknown processor (GenuineIntel), AVX-512")
        let nothing = HostProcessor(cpuinfo: "", cacheEntries: [("x", "Data", "?", ""), ("2", "Unified", "0K", "0")])
        XCTAssertEqual(nothing.caches, [], "unreadable sizes are left out, not guessed")
        XCTAssertEqual(nothing.summary, "unknown processor, no AVX2")
    }

    func testSizesAndCPUListsAsSysfsWritesThem() {
        XCTAssertEqual(HostProcessor.bytes("48K"), 48 << 10)
        XCTAssertEqual(HostProcessor.bytes("2M"), 2 << 20)
        XCTAssertEqual(HostProcessor.bytes("1024"), 1024)
        XCTAssertNil(HostProcessor.bytes("K"))
        XCTAssertEqual(HostProcessor.count(cpuList: "0-3,8,10-11"), 7)
        XCTAssertEqual(HostProcessor.count(cpuList: ""), 1)
    }

    func testTheChosenKernelFollowsTheFlags() {
        XCTAssertEqual(GEMMMicroKernel.best == .rows8cols32, HostProcessor.current.hasAVX512)
    }
}
