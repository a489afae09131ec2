#ifndef CFUZZDRIVER_H
#define CFUZZDRIVER_H
#include <stddef.h>
#include <stdint.h>

typedef int (*fuzz_test_one_input)(const uint8_t *data, size_t size);

/// Runs libFuzzer's driver on `test` when the program is linked with -sanitize=fuzzer and
/// returns its status; returns -1 when libFuzzer is not linked in (a plain build), so the
/// same executable replays files instead.
int fuzz_run_driver_if_linked(int *argc, char ***argv, fuzz_test_one_input test);

#endif
