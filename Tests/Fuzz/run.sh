#!/usr/bin/env bash
# Builds the libFuzzer targets (Sources/Fuzz*) with AddressSanitizer into their own scratch
# path and runs each on its seed corpus for a bounded time. A finding (a crash, a trap, a
# failed property) stops that fuzzer with the input saved as crash-* in the working directory;
# add it to Tests/Fuzz/corpus/TARGET and fix it: FuzzRegressionTests replays every corpus file.
#
#   Tests/Fuzz/run.sh              # every target, 60 s each (what CI runs)
#   FUZZ_SECONDS=600 Tests/Fuzz/run.sh FuzzFrontEnd
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/opt/swift/usr/bin:$PATH"

seconds="${FUZZ_SECONDS:-60}"
scratch=".build-fuzz"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(FuzzFrontEnd FuzzPlanJSON FuzzCheckpoint FuzzIDX)

corpus_of() {
    case "$1" in
        FuzzFrontEnd) echo frontend ;;
        FuzzPlanJSON) echo plan-json ;;
        FuzzCheckpoint) echo checkpoint ;;
        FuzzIDX) echo idx ;;
        *) echo "unknown fuzz target $1" >&2; exit 2 ;;
    esac
}

# lld: the gold linker crashes on the fuzzer runtime with this toolchain.
flags=(-Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld)
for target in "${targets[@]}"; do
    swift build --scratch-path "$scratch" --product "$target" "${flags[@]}"
done

status=0
for target in "${targets[@]}"; do
    seeds="Tests/Fuzz/corpus/$(corpus_of "$target")"
    # New inputs go to a scratch corpus, so the seeds in the repository change only by hand.
    work="$scratch/corpus/$target"
    mkdir -p "$work" "$scratch/artifacts"
    echo "== $target: ${seconds}s on $seeds"
    if ! "$scratch/debug/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=3072 -max_len=65536 \
            -artifact_prefix="$scratch/artifacts/$target-" -print_final_stats=1 "$work" "$seeds"; then
        echo "$target: finding saved under $scratch/artifacts/" >&2
        status=1
    fi
done
exit $status
