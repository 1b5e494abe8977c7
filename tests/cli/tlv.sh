#!/usr/bin/env bash
# `m2mrsp tlv decode`, `--help`, `version` and the exit codes of ARCHITECTURE.md section 6.
set -uo pipefail
bin=$1
failures=0

check() { # name, expected exit code, expected stdout (exact, or "" to skip), command...
	local name=$1 want_rc=$2 want_out=$3
	shift 3
	local out rc
	out=$("$@" 2>/tmp/m2mrsp-cli-err.$$)
	rc=$?
	if [ "$rc" -ne "$want_rc" ]; then
		echo "FAIL $name: exit $rc, want $want_rc; stderr: $(cat /tmp/m2mrsp-cli-err.$$)"
		failures=$((failures + 1))
	elif [ -n "$want_out" ] && [ "$out" != "$want_out" ]; then
		echo "FAIL $name: output"
		echo "--- got"; echo "$out"; echo "--- want"; echo "$want_out"
		failures=$((failures + 1))
	else
		echo "ok   $name"
	fi
}

check "indefinite script" 0 "AE (indefinite)
  22 (5): 80caff2100" "$bin" tlv decode ae80220580caff21000000
check "nested, 2-byte tags, upper-case hex" 0 "7F21 (8)
  93 (1): 01
  5F37 (2): abcd
BF30 (0)" "$bin" tlv decode 7F2108930101 5F3702ABCD BF3000
check "several TLVs" 0 "7F21 (8)
  93 (1): 01
  5F37 (2): abcd
BF30 (0)" "$bin" tlv decode 7F21089301015F3702ABCDBF3000
check "overrun exits 1" 1 "" "$bin" tlv decode 840501
check "unterminated indefinite exits 1" 1 "" "$bin" tlv decode ae80220100
check "5 length bytes exit 1" 1 "" "$bin" tlv decode 84850000000001aa
check "DER refuses 81 05" 1 "" "$bin" tlv decode --der 8481050102030405
check "not hex is a usage error" 2 "" "$bin" tlv decode 8g
check "missing argument" 2 "" "$bin" tlv decode
check "tlv alone" 2 "" "$bin" tlv
check "unknown verb" 2 "" "$bin" frobnicate
check "no verb" 2 "" "$bin"
check "help" 0 "" "$bin" --help
check "tlv decode --help" 0 "" "$bin" tlv decode --help
check "version" 0 "" "$bin" version

# The error message names the offset.
msg=$("$bin" tlv decode 7f2103930201 2>&1 >/dev/null)
case "$msg" in
*"offset 4"*) echo "ok   error names the offset" ;;
*) echo "FAIL error message: $msg"; failures=$((failures + 1)) ;;
esac

rm -f /tmp/m2mrsp-cli-err.$$
echo "$failures failed"
[ "$failures" -eq 0 ]
