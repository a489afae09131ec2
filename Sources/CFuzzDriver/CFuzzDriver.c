#include "CFuzzDriver.h"

// Weak: defined only when libFuzzer is linked in (swiftc -sanitize=fuzzer).
extern int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*test)(const uint8_t *, size_t)) __attribute__((weak));

int fuzz_run_driver_if_linked(int *argc, char ***argv, fuzz_test_one_input test) {
    if (!LLVMFuzzerRunDriver) return -1;
    return LLVMFuzzerRunDriver(argc, argv, test);
}
