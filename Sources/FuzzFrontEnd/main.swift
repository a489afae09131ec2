import FuzzTargets

/// The function libFuzzer calls with each input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTargets.frontEnd(FuzzMain.bytes(data, size))
    return 0
}

// libFuzzer's driver when built with -sanitize=fuzzer (Tests/Fuzz/run.sh), else a replay of the files named.
FuzzMain.run(fuzzTestOneInput, target: FuzzTargets.frontEnd)
