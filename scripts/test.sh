#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds Release, ASan+UBSan and libFuzzer
# builds, runs the fuzzers for a bounded time, then the unit and CLI tests of the sanitizer
# build and of the Release build (CTest's summary is the last thing printed).
#   M2MRSP_FUZZ_SECONDS   seconds per fuzz target (default 40 for the TLV decoder, half that
#                         for the others); 0 skips fuzzing
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh

jobs=$(nproc)
fuzz_seconds=${M2MRSP_FUZZ_SECONDS:-40}

build() { # dir, cmake args...
	local dir=$1
	shift
	cmake -G Ninja -S . -B "$dir" -Wno-dev "$@" >/dev/null
	ninja -C "$dir"
}

build build/release -DCMAKE_BUILD_TYPE=Release
build build/asan -DCMAKE_BUILD_TYPE=Debug -DM2MRSP_SANITIZE=ON

if [ "$fuzz_seconds" -gt 0 ]; then
	CC=clang build build/fuzz -DCMAKE_BUILD_TYPE=Debug -DM2MRSP_FUZZ=ON -DM2MRSP_TESTS=OFF
	for fuzzer in build/fuzz/fuzz/fuzz_*; do
		name=$(basename "$fuzzer")
		seconds=$fuzz_seconds
		[ "$name" = fuzz_tlv ] || seconds=$(( (fuzz_seconds + 1) / 2 ))
		corpus=build/fuzz/corpus/${name#fuzz_}
		mkdir -p "$corpus"
		seeds=fuzz/corpus/${name#fuzz_}
		[ -d "$seeds" ] || seeds=
		echo "== fuzzing $name for ${seconds}s"
		log=build/fuzz/$name.log
		if ! "$fuzzer" -max_total_time="$seconds" -max_len=8192 -print_final_stats=1 \
			-artifact_prefix=build/fuzz/ "$corpus" $seeds >"$log" 2>&1; then
			tail -n 60 "$log"
			echo "fuzzer $name found a failure; the input is in build/fuzz/" >&2
			exit 1
		fi
		grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log" || true
	done
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "== sanitizer build tests"
ctest --test-dir build/asan --output-on-failure -j"$jobs"
echo "== release build tests"
ctest --test-dir build/release --output-on-failure -j"$jobs"
