#!/usr/bin/env bash
# The main job: installs what is missing, builds m2mrsp (Release) and runs it.
# Until `m2mrsp demo` lands (issue 7) this prints the verbs m2mrsp offers.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
cmake -G Ninja -S . -B build/release -DCMAKE_BUILD_TYPE=Release -Wno-dev >/dev/null
ninja -C build/release m2mrsp

if ./build/release/m2mrsp demo --help >/dev/null 2>&1; then
	exec ./build/release/m2mrsp demo "$@"
fi
exec ./build/release/m2mrsp --help
