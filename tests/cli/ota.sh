#!/usr/bin/env bash
# Contract of `m2mrsp ota` (ARCHITECTURE.md section 6). Known answers: osmocom/pysim
# tests/unittests/test_ota.py @597f1e0 (AES128 and 3DES SJA5, TAR B00011, CNTR 0).
# usage: bash tests/cli/ota.sh /path/to/m2mrsp
set -euo pipefail

BIN=${1:?usage: ota.sh /path/to/m2mrsp}
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }

# run EXPECTED_RC ARGS...: runs the binary, leaves stdout in $OUT, checks the exit code.
run() {
	local want=$1; shift
	local rc=0
	OUT=$("$BIN" "$@" 2>/tmp/ota_sh_err.$$) || rc=$?
	if [[ $rc -ne $want ]]; then
		fail "m2mrsp $* exited $rc, expected $want; stderr: $(cat /tmp/ota_sh_err.$$)"
		return 1
	fi
	return 0
}
trap 'rm -f /tmp/ota_sh_err.$$' EXIT

expect_out() { [[ "$OUT" == "$1" ]] || fail "$2: got '$OUT', expected '$1'"; }
expect_field() { [[ "$OUT" == *"\"$1\":\"$2\""* ]] || fail "$3: field $1 is not '$2' in $OUT"; }

AES_KIC=200102030405060708090a0b0c0d0e0f
AES_KID=201102030405060708090a0b0c0d0e0f
DES_KIC=300102030405060708090a0b0c0d0e0f
DES_KID=301102030405060708090a0b0c0d0e0f
APDU=00a40004023f00
AES_PKT=00281506192222b00011e87cceebb2d93083011ce294f93fc4d8de80da1abae8c37ca3e72ec4432e5058
DES_PKT=00201506193535b00011ae733256918d050b87c94fbfe12e4dc402f262c41cf67f2f
AES_POR=027100002412b00011ebc6b497e2cad7aedf36ace0e3a29b38853f0fe9ccde81913be5702b73abce1f

# wrap: exact lower-case hex line.
if run 0 ota wrap --spi 0619 --kic 22 --kid 22 --tar b00011 --counter 0000000000 \
	--kic-key $AES_KIC --kid-key $AES_KID $APDU; then
	expect_out "$AES_PKT" "wrap AES128"
fi
if run 0 ota wrap --spi 0619 --kic 35 --kid 35 --tar B00011 --counter 0000000000 \
	--kic-key $DES_KIC --kid-key $DES_KID $APDU; then
	expect_out "$DES_PKT" "wrap 3DES"
fi
# Empty data is allowed; no keys are needed without ciphering and CC.
if run 0 ota wrap --spi 0000 --kic 00 --kid 00 --tar 000001 --counter 0000000000 ""; then
	expect_out "000e0d00000000000001000000000000" "wrap empty, unsecured"
fi
# DS is refused (operation failed), a missing key or option is a usage error.
run 1 ota wrap --spi 0300 --kic 00 --kid 00 --tar 000001 --counter 0000000000 "" || true
run 2 ota wrap --spi 1639 --kic 12 --kid 12 --tar 000001 --counter 0000000001 8000 || true
run 2 ota wrap --kic 22 --kid 22 --tar b00011 --counter 0000000000 $APDU || true
run 2 ota wrap --spi 06 --kic 22 --kid 22 --tar b00011 --counter 0000000000 $APDU || true
run 2 ota wrap --spi 0619 --kic 22 --kid 22 --tar b00011 --counter 0000000000 \
	--kic-key $AES_KIC --kid-key $AES_KID 0g || true
run 2 ota wrap --bogus 1 $APDU || true
run 2 ota || true
run 0 ota wrap --help || true
run 0 ota unwrap-command --help || true
run 0 ota unwrap-response --help || true

# unwrap-command: JSON with the header fields and the data.
if run 0 ota unwrap-command --kic-key $AES_KIC --kid-key $AES_KID $AES_PKT; then
	expect_field spi 0619 "unwrap-command"
	expect_field kic 22 "unwrap-command"
	expect_field kid 22 "unwrap-command"
	expect_field tar b00011 "unwrap-command"
	expect_field counter 0000000000 "unwrap-command"
	expect_field data $APDU "unwrap-command"
	[[ "$OUT" == "{"*"}" ]] || fail "unwrap-command: not one JSON object: $OUT"
fi
if run 0 ota unwrap-command --kic-key $AES_KIC --kid-key $AES_KID 027000$AES_PKT; then
	expect_field data $APDU "unwrap-command with UDH"
fi
# A bad checksum (last ciphertext byte changed) and malformed packets exit 1.
run 1 ota unwrap-command --kic-key $AES_KIC --kid-key $AES_KID "${AES_PKT%??}59" || true
run 1 ota unwrap-command --kic-key $AES_KIC --kid-key $AES_KID "${AES_PKT%??}" || true
run 1 ota unwrap-command --kic-key $AES_KIC --kid-key $AES_KID 0028 || true
run 1 ota unwrap-command --kic-key $AES_KIC --kid-key $AES_KID "" || true
run 1 ota unwrap-command --kic-key $DES_KIC --kid-key $DES_KID $AES_PKT || true
run 2 ota unwrap-command --kic-key $AES_KIC --kid-key $AES_KID zz || true

# The counter is checked only with --last-counter (SPI 16: must be higher).
KEY=000102030405060708090a0b0c0d0e0f
if run 0 ota wrap --spi 1639 --kic 12 --kid 12 --tar 000001 --counter 0000000005 \
	--kic-key $KEY --kid-key $KEY aa0622048000ca00; then
	P=$OUT
	run 0 ota unwrap-command --kic-key $KEY --kid-key $KEY $P || true
	if run 0 ota unwrap-command --kic-key $KEY --kid-key $KEY --last-counter 0000000004 $P; then
		expect_field counter 0000000005 "counter"
		expect_field tar 000001 "counter"
	fi
	run 1 ota unwrap-command --kic-key $KEY --kid-key $KEY --last-counter 0000000005 $P || true
	run 1 ota unwrap-command --kic-key $KEY --kid-key $KEY --last-counter 0000000009 $P || true
fi

# unwrap-response: pySim's AES PoR, with and without its UDH.
if run 0 ota unwrap-response --spi 0619 --kic 22 --kid 22 --kic-key $AES_KIC --kid-key $AES_KID \
	$AES_POR; then
	expect_field status 00 "unwrap-response"
	expect_field tar b00011 "unwrap-response"
	expect_field data 016132 "unwrap-response"
fi
run 0 ota unwrap-response --spi 0619 --kic 22 --kid 22 --kic-key $AES_KIC --kid-key $AES_KID \
	"${AES_POR#027100}" || true
run 1 ota unwrap-response --spi 0609 --kic 35 --kid 35 --kic-key C21DD66ACAC13CB3BC8B331B24AFB57B \
	--kid-key 12110C78E678C25408233076AA033615 \
	027100001612b000110000000000000055f47118381175fb02612f || true
run 2 ota unwrap-response --kic 22 --kid 22 $AES_POR || true

# wrap-response (card side) rebuilds the PoR byte for byte.
if run 0 ota wrap-response --spi 0619 --kic 22 --kid 22 --tar b00011 --counter 0000000000 \
	--status 00 --kic-key $AES_KIC --kid-key $AES_KID 016132; then
	expect_out "$AES_POR" "wrap-response"
fi

# sms: pySim's SMS-DELIVER for the 3DES packet (test_ota.py, SmsTest). pySim sets TP-UDL to 03
# by hand; TS 23.040 wants the octet count of the user data, 3 + 34 = 0x25.
if run 0 ota sms --oa 12345678 --ton-npi 81 --scts 22705200000000 $DES_PKT; then
	expect_out "400881214365877ff622705200000000""25""027000""$DES_PKT" "sms single part"
fi
# A 300-byte packet needs three parts, each with UDH 05 00 03 ref total seq (the first also
# with 70 00), and together they carry the packet.
LONG=$("$BIN" ota wrap --spi 0000 --kic 00 --kid 00 --tar 000001 --counter 0000000000 \
	"$(printf 'ab%.0s' $(seq 300))")
if run 0 ota sms --oa 1 --scts 22705200000000 --ref 0042 "$LONG"; then
	mapfile -t PARTS <<<"$OUT"
	[[ ${#PARTS[@]} -eq 3 ]] || fail "sms long: ${#PARTS[@]} parts, expected 3"
	BODY=""
	for i in 0 1 2; do
		p=${PARTS[$i]:-}
		hdr=${p:0:26}                   # 40, OA 01 81 f1, 7f f6, SCTS; then UDL
		ud=${p:28}
		[[ $hdr == 400181f17ff622705200000000 ]] || fail "sms long part $i header: $hdr"
		[[ $((16#${p:26:2})) -eq $((${#ud} / 2)) ]] || fail "sms long part $i UDL"
		case $i in
		0) [[ $ud == 0700034203017000* ]] || fail "sms long part 0 UDH: ${ud:0:16}"; BODY+=${ud:16} ;;
		*) [[ $ud == 0500034203$(printf %02x $((i + 1)))* ]] || fail "sms long part $i UDH: ${ud:0:12}"
		   BODY+=${ud:12} ;;
		esac
	done
	[[ $BODY == "$LONG" ]] || fail "sms long: the parts do not carry the packet"
fi
run 2 ota sms --ref 0100 $DES_PKT || true
run 2 ota sms --scts 22 $DES_PKT || true

if [[ $FAILS -ne 0 ]]; then
	echo "ota.sh: $FAILS check(s) failed" >&2
	exit 1
fi
echo "ota.sh: all checks passed"
