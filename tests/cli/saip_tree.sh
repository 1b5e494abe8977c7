#!/usr/bin/env bash
# `m2mrsp saip tree`: the file system of a GSMA TS.48 package, --contents, --help, and the
# exit codes of ARCHITECTURE.md section 6 (2 usage, 3 unreadable file, 1 bad package).
set -uo pipefail
bin=$1
vec="$(cd "$(dirname "$0")/../../.." && pwd)/shared/vectors/saip"
pkg=$vec/TS48v2_SAIP2.3_NoBERTLV.der
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() { echo "FAIL $*"; failures=$((failures + 1)); }

run() { # name, expected exit code, command...
	local name=$1 want=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name: exit $rc, want $want; stderr: $(cat "$tmp/err")"
		return 1
	fi
	echo "ok   $name"
}

has() { # name, fixed line pattern (regex) expected in $tmp/out
	if grep -Eq -- "$2" "$tmp/out"; then echo "ok   $1"; else fail "$1: no line matching '$2'"; fi
}

if run "tree of TS48v2" 0 "$bin" saip tree "$pkg"; then
	has "MF first" '^3F00 MF +MF$'
	has "EF.ICCID" '^  2FE2 EF\.ICCID +transparent 10$'
	has "EF.DIR" '^  2F00 EF\.DIR +linear-fixed 4 x 33 SFI 1E$'
	has "DF.TELECOM" '^  7F10 DF\.TELECOM +DF$'
	has "ADF.USIM" '^  7FD0 ADF\.USIM +ADF AID a0000000871002ff49ff0589$'
	has "EF.IMSI" '^    6F07 EF\.IMSI +transparent 9 SFI 07$'
	has "EF.UST" '^    6F38 EF\.UST +transparent 17 SFI 04$'
	has "DF.5GS in ADF.USIM" '^    5FC0 DF\.5GS +DF$'
	has "ADF.ISIM" '^  7FB0 ADF\.ISIM +ADF AID a0000000871004ff49ff0589$'
	has "link file" '^    6F3B - +link -> 3F00/7FD0/6F3B, linear-fixed'
fi
if run "--contents" 0 "$bin" saip tree --contents "$pkg"; then
	has "ICCID contents" '^      data: 98001032547698103214$'
	has "IMSI contents" '^        data: 080910101032540636$'
fi
for f in "$vec"/*.der; do
	run "tree of $(basename "$f")" 0 "$bin" saip tree "$f"
done
run "--help" 0 "$bin" saip tree --help && has "help text" '^usage: m2mrsp saip tree'
run "no FILE" 2 "$bin" saip tree
run "unknown option" 2 "$bin" saip tree --bogus "$pkg"
run "two files" 2 "$bin" saip tree "$pkg" "$pkg"
run "missing file" 3 "$bin" saip tree "$tmp/none.der"
head -c 100 "$pkg" >"$tmp/short.der"
run "truncated package" 1 "$bin" saip tree "$tmp/short.der"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all passed"
