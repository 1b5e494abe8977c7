#!/usr/bin/env bash
# `m2mrsp saip personalise` and `m2mrsp saip validate`: options, a CSV row, exit codes.
set -uo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
vec=$here/../../../shared/vectors/saip
pkg=$vec/TS48v2_SAIP2.3_NoBERTLV.der
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

check() { # name, expected exit code, command...
	local name=$1 want_rc=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ "$rc" -ne "$want_rc" ]; then
		echo "FAIL $name: exit $rc, want $want_rc; stderr: $(cat "$tmp/err")"
		failures=$((failures + 1))
	else
		echo "ok   $name"
	fi
}

# The header ICCID of a package as digits (plain BCD, F padding dropped): the first TLV is
# the header; its iccid is the 83 0A field.
header_iccid() {
	python3 - "$1" <<'PY'
import sys
b = open(sys.argv[1], 'rb').read()
i = b.index(b'\x83\x0a', 0, 200)
print(b[i + 2:i + 12].hex().rstrip('f'))
PY
}

check "validate TS.48 packages" 0 "$bin" saip validate "$vec"/TS48v1_A.der "$pkg" \
	"$vec"/TS48v5_SAIP2.3_BERTLV_SUCI.der

check "personalise from options" 0 "$bin" saip personalise "$pkg" -o "$tmp/a.der" \
	--iccid 89441234567890123454 --imsi 001010123456789 \
	--ki 000102030405060708090a0b0c0d0e0f --opc 0f0e0d0c0b0a09080706050403020100 \
	--algorithm milenage --pin1 1234 --puk1 12345678 --adm1 87654321 \
	--kvn 02 --kic 11111111111111111111111111111111 --kid 22222222222222222222222222222222 \
	--kik 33333333333333333333333333333333 --pol1 02 --smsc +8613010112500
check "validate the result" 0 "$bin" saip validate "$tmp/a.der"
check "check the result" 0 "$bin" saip check "$tmp/a.der"
got=$(header_iccid "$tmp/a.der")
if [ "$got" = "89441234567890123454" ]; then echo "ok   header ICCID"; else
	echo "FAIL header ICCID: $got"; failures=$((failures + 1)); fi
if grep -q 000102030405060708090a0b0c0d0e0f "$tmp/err" "$tmp/out"; then
	echo "FAIL a key was printed"; failures=$((failures + 1)); fi

cat >"$tmp/batch.csv" <<'CSV'
iccid,imsi,ki,opc,pin1,puk1,adm1
89000123456789012341,001010000000001,00112233445566778899aabbccddeeff,ffeeddccbbaa99887766554433221100,1111,11111111,11111111
"89441234567890123454",001010000000002,00112233445566778899aabbccddeeff,ffeeddccbbaa99887766554433221100,2222,22222222,
CSV
check "personalise from CSV row 2" 0 "$bin" saip personalise "$pkg" -o "$tmp/b.der" \
	--csv "$tmp/batch.csv" --row 2
check "validate the CSV result" 0 "$bin" saip validate "$tmp/b.der"
got=$(header_iccid "$tmp/b.der")
if [ "$got" = "89441234567890123454" ]; then echo "ok   CSV ICCID"; else
	echo "FAIL CSV ICCID: $got"; failures=$((failures + 1)); fi
check "options override the CSV" 0 "$bin" saip personalise "$pkg" -o "$tmp/c.der" \
	--csv "$tmp/batch.csv" --row 1 --iccid 89441234567890123454
got=$(header_iccid "$tmp/c.der")
if [ "$got" = "89441234567890123454" ]; then echo "ok   override ICCID"; else
	echo "FAIL override ICCID: $got"; failures=$((failures + 1)); fi

check "help" 0 "$bin" saip personalise --help
check "validate help" 0 "$bin" saip validate --help
check "missing -o is usage" 2 "$bin" saip personalise "$pkg" --imsi 001010123456789
check "unknown option is usage" 2 "$bin" saip personalise "$pkg" -o "$tmp/x.der" --colour red
check "no file is usage" 2 "$bin" saip validate
check "--csv without --row is usage" 2 "$bin" saip personalise "$pkg" -o "$tmp/x.der" \
	--csv "$tmp/batch.csv"
check "bad check digit exits 1" 1 "$bin" saip personalise "$pkg" -o "$tmp/x.der" \
	--iccid 89441234567890123455
check "short Ki exits 1" 1 "$bin" saip personalise "$pkg" -o "$tmp/x.der" --ki 0011
check "unknown CSV row exits 1" 1 "$bin" saip personalise "$pkg" -o "$tmp/x.der" \
	--csv "$tmp/batch.csv" --row 3
if [ -e "$tmp/x.der" ]; then echo "FAIL output written on error"; failures=$((failures + 1)); fi
check "missing input exits 3" 3 "$bin" saip personalise "$tmp/none.der" -o "$tmp/x.der" \
	--imsi 001010123456789
check "missing CSV exits 3" 3 "$bin" saip personalise "$pkg" -o "$tmp/x.der" \
	--csv "$tmp/none.csv" --row 1
check "validate missing file exits 3" 3 "$bin" saip validate "$tmp/none.der"
printf 'garbage' >"$tmp/bad.der"
check "validate garbage exits 1" 1 "$bin" saip validate "$tmp/bad.der"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
