import FuzzTargets

// libFuzzer's driver when built with -sanitize=fuzzer (Tests/Fuzz/run.sh), else a replay of the files named.
FuzzMain.run({ data, size in
    FuzzTargets.frontEnd(FuzzMain.bytes(data, size))
    return 0
}, target: FuzzTargets.frontEnd)
