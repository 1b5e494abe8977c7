#!/usr/bin/env bash
# The main job: installs what is missing, builds m2mrsp (Release) and runs `m2mrsp demo`
# with the arguments given (docs/demo.md: --euiccs N, --keep, --postgres URL, --dir DIR...).
# The demo finds the TS.48 bootstrap package shipped in data/saip (or --package FILE.der,
# M2MRSP_DEMO_PACKAGE, then ../shared/vectors/saip beside the source tree). A binary without the demo verb prints the verbs it offers.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
cmake -G Ninja -S . -B build/release -DCMAKE_BUILD_TYPE=Release -Wno-dev >/dev/null
ninja -C build/release m2mrsp

if ./build/release/m2mrsp demo --help >/dev/null 2>&1; then
	exec ./build/release/m2mrsp demo "$@"
fi
exec ./build/release/m2mrsp --help
