#!/usr/bin/env bash
# `m2mrsp saip check FILE...` (ARCHITECTURE.md section 6): the TS.48 packages re-encode
# byte for byte (exit 0); a package that decodes but re-encodes differently, or a truncated
# one, exits 1; an unreadable file 3; no argument 2.
set -uo pipefail
bin=$1
vec=$(cd "$(dirname "$0")/../../.." && pwd)/shared/vectors/saip
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

check() { # name, expected exit code, expected stdout substring ("" to skip), command...
	local name=$1 want_rc=$2 want_out=$3
	shift 3
	local out rc
	out=$("$@" 2>"$tmp/err")
	rc=$?
	if [ "$rc" -ne "$want_rc" ]; then
		echo "FAIL $name: exit $rc, want $want_rc; stdout: $out; stderr: $(cat "$tmp/err")"
		failures=$((failures + 1))
	elif [ -n "$want_out" ] && [[ "$out" != *"$want_out"* ]]; then
		echo "FAIL $name: output lacks '$want_out':"
		echo "$out"
		failures=$((failures + 1))
	else
		echo "ok   $name"
	fi
}

v1=$vec/TS48v1_A.der
v2=$vec/TS48v2_SAIP2.3_NoBERTLV.der
v5=$vec/TS48v5_SAIP2.3_BERTLV_SUCI.der

check "three TS.48 packages" 0 "TS48v5_SAIP2.3_BERTLV_SUCI.der: ok, 30 elements, version 2.3" \
	"$bin" saip check "$v1" "$v2" "$v5"
check "2.1 package" 0 "ok, 28 elements, version 2.1" "$bin" saip check "$v1"

# Byte 68 is the tag of the last eUICC-Mandatory-services member ([23], 97); as [30] (9E)
# it is an unknown extension: it decodes, and is dropped on re-encoding.
cp "$v2" "$tmp/changed.der"
printf '\x9e' | dd of="$tmp/changed.der" bs=1 seek=68 conv=notrunc status=none
check "one byte changed: re-encodes differently" 1 "differs at offset 2 (12251 bytes in, 12249 out)" \
	"$bin" saip check "$tmp/changed.der"
check "good and changed together" 1 "" "$bin" saip check "$v1" "$tmp/changed.der"

head -c 5000 "$v2" >"$tmp/truncated.der"
check "truncated package" 1 "decode error in element" "$bin" saip check "$tmp/truncated.der"
printf '\x30\x03\x02\x01\x00' >"$tmp/notsaip.der"
check "not a package" 1 "unknown element tag 30" "$bin" saip check "$tmp/notsaip.der"
check "missing file" 3 "" "$bin" saip check "$tmp/missing.der"
check "missing file beside a bad one" 3 "" "$bin" saip check "$tmp/truncated.der" "$tmp/missing.der"
check "no argument" 2 "" "$bin" saip check
check "unknown option" 2 "" "$bin" saip check --frobnicate "$v1"
check "help" 0 "usage: m2mrsp saip check" "$bin" saip check --help

echo "$failures failed"
[ "$failures" -eq 0 ]
