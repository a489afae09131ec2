// A cache-line prefetch for the GEMM micro-kernels. Swift has no prefetch; clang imports this
// static inline function into the Swift module and LLVM inlines it (one `prefetchw`).
#ifndef SCHEDC_CPREFETCH_H
#define SCHEDC_CPREFETCH_H

/// Asks for the cache line holding `address` in L1, to be written.
static inline __attribute__((always_inline)) void schedc_prefetch_for_write(const void *address) {
    __builtin_prefetch(address, 1, 3);
}

#endif
