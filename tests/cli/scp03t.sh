#!/usr/bin/env bash
# The `m2mrsp scp03t wrap|unwrap` contract (ARCHITECTURE.md section 6): the card side
# (unwrap) and the SM-DP side (wrap) run against each other over a TS.48 profile package.
# usage: bash tests/cli/scp03t.sh /path/to/m2mrsp
set -euo pipefail

BIN=${1:?usage: scp03t.sh /path/to/m2mrsp}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PKG=$HERE/../../../shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

if [[ ! -f $PKG ]]; then
	# Without the shared vectors, any binary file of a few segments does.
	PKG=$TMP/pkg.bin
	head -c 5000 /dev/urandom >"$PKG"
fi

ENC=000102030405060708090a0b0c0d0e0f
MAC=101112131415161718191a1b1c1d1e1f
KVN=30
HC=1122334455667788
AID=a0000005591010ffffffff8900001300
SEQ=000001
CARD=(--enc "$ENC" --mac "$MAC" --aid "$AID" --sequence-counter "$SEQ")

# expect CODE DESCRIPTION CMD...: runs CMD and checks its exit code.
expect() {
	local want=$1 what=$2 rc=0
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	if [[ $rc -ne $want ]]; then
		echo "--- stdout"; cat "$TMP/out"; echo "--- stderr"; cat "$TMP/err"
		fail "$what: exit $rc, expected $want"
	fi
}

# 1. The card answers the 84 command. The challenge depends only on the counter and the AID,
#    so a second run with the same counter answers the same 84 command identically.
IU=840a${KVN}00${HC}
echo "$IU" | "$BIN" scp03t unwrap "${CARD[@]}" --out "$TMP/none" >"$TMP/iu" ||
	fail "unwrap of the 84 command alone failed"
[[ $(wc -l <"$TMP/iu") -eq 1 ]] || fail "unwrap printed $(wc -l <"$TMP/iu") lines for one command"
RESP=$(cat "$TMP/iu")
[[ $RESP =~ ^8420[0-9a-f]{64}$ ]] || fail "84 response not 84 20 + 32 lower-case hex bytes: $RESP"
[[ ${RESP:4:20} == 00000000000000000000 ]] || fail "key diversification data not zero: $RESP"
[[ ${RESP:24:6} == ${KVN}0370 ]] || fail "KVN / 03 70 missing in $RESP"
[[ ${RESP:62:6} == "$SEQ" ]] || fail "sequence counter not echoed in $RESP"
VALUE=${RESP:4}

# 2. The SM-DP checks the card cryptogram and wraps the package.
"$BIN" scp03t wrap --enc "$ENC" --mac "$MAC" --kvn "$KVN" --host-challenge "$HC" \
	--card-response "$VALUE" "$PKG" >"$TMP/tlvs" || fail "wrap failed"
SIZE=$(stat -c %s "$PKG")
SEGS=$(((SIZE + 1023) / 1024))
[[ $(wc -l <"$TMP/tlvs") -eq $((SEGS + 1)) ]] || fail "wrap printed $(wc -l <"$TMP/tlvs") lines, want $((SEGS + 1))"
[[ $(head -n1 "$TMP/tlvs") =~ ^851133[0-9a-f]{32}$ ]] || fail "first line is not an 85 TLV"
[[ $(sed -n 2p "$TMP/tlvs") =~ ^86820418[0-9a-f]{2096}$ ]] || fail "second line is not a 1024-byte 86 segment"
! grep -q '[A-F]' "$TMP/tlvs" || fail "wrap output is not lower case"

# 3. The card unwraps it all and recovers the file.
{ echo "$IU"; cat "$TMP/tlvs"; } | "$BIN" scp03t unwrap "${CARD[@]}" --out "$TMP/got" >"$TMP/answers" ||
	fail "unwrap of the whole session failed: $(cat "$TMP/answers")"
{
	echo "$RESP"
	echo 8500
	for ((i = 0; i < SEGS; i++)); do echo 8600; done
} >"$TMP/want"
cmp -s "$TMP/answers" "$TMP/want" || fail "card answers differ: $(diff "$TMP/want" "$TMP/answers" | head -5)"
cmp -s "$PKG" "$TMP/got" || fail "recovered file differs from the package"

# 4. Another segment size, given as --segment-size.
"$BIN" scp03t wrap --enc "$ENC" --mac "$MAC" --kvn "$KVN" --host-challenge "$HC" \
	--card-response "$VALUE" --segment-size 1007 "$PKG" >"$TMP/tlvs2" || fail "wrap --segment-size 1007 failed"
{ echo "$IU"; cat "$TMP/tlvs2"; } | "$BIN" scp03t unwrap "${CARD[@]}" --out "$TMP/got2" >/dev/null ||
	fail "unwrap of 1007-byte segments failed"
cmp -s "$PKG" "$TMP/got2" || fail "recovered file (1007-byte segments) differs"

# 5. A wrong card cryptogram exits 1 and prints no TLV.
LAST=${VALUE:51:1}
FLIP=$([[ $LAST == 0 ]] && echo 1 || echo 0)
BAD=${VALUE:0:51}$FLIP${VALUE:52}
expect 1 "wrap with a wrong card cryptogram" "$BIN" scp03t wrap --enc "$ENC" --mac "$MAC" \
	--kvn "$KVN" --host-challenge "$HC" --card-response "$BAD" "$PKG"
[[ ! -s $TMP/out ]] || fail "wrap printed TLVs despite a wrong card cryptogram"
expect 1 "wrap with other keys" "$BIN" scp03t wrap --enc "$MAC" --mac "$ENC" \
	--kvn "$KVN" --host-challenge "$HC" --card-response "$VALUE" "$PKG"

# 6. A tampered 86 exits 1 with a 9F46 answer.
SEG2=$(sed -n 3p "$TMP/tlvs")
C=${SEG2:40:1}
T=$([[ $C == f ]] && echo e || echo f)
{ echo "$IU"; sed -n 1,2p "$TMP/tlvs"; echo "${SEG2:0:40}$T${SEG2:41}"; sed -n '4,$p' "$TMP/tlvs"; } >"$TMP/bad"
expect 1 "unwrap with a tampered 86" "$BIN" scp03t unwrap "${CARD[@]}" --out "$TMP/got3" <"$TMP/bad"
[[ $(tail -n1 "$TMP/out") == 9f460102 ]] || fail "tampered 86 not answered 9f460102: $(tail -n1 "$TMP/out")"
[[ $(wc -l <"$TMP/out") -eq 4 ]] || fail "unwrap did not stop at the tampered 86"
# 7. A replayed 86 exits 1 as well.
{ echo "$IU"; sed -n 1,2p "$TMP/tlvs"; sed -n 2p "$TMP/tlvs"; } >"$TMP/replay"
expect 1 "unwrap with a replayed 86" "$BIN" scp03t unwrap "${CARD[@]}" --out "$TMP/got4" <"$TMP/replay"
# 8. A wrong host cryptogram (tampered 85) exits 1 with 9F45.
EA=$(head -n1 "$TMP/tlvs")
{ echo "$IU"; echo "${EA:0:10}$([[ ${EA:10:1} == 0 ]] && echo 1 || echo 0)${EA:11}"; } >"$TMP/bad85"
expect 1 "unwrap with a tampered 85" "$BIN" scp03t unwrap "${CARD[@]}" --out "$TMP/got5" <"$TMP/bad85"
[[ $(tail -n1 "$TMP/out") == 9f450102 ]] || fail "tampered 85 not answered 9f450102"

# 9. Usage errors exit 2; help exits 0; a missing file exits 3.
W=(--enc "$ENC" --mac "$MAC" --kvn "$KVN" --host-challenge "$HC" --card-response "$VALUE")
expect 2 "wrap without FILE" "$BIN" scp03t wrap "${W[@]}"
expect 2 "wrap without --enc" "$BIN" scp03t wrap --mac "$MAC" --kvn "$KVN" --host-challenge "$HC" \
	--card-response "$VALUE" "$PKG"
expect 2 "wrap with a short host challenge" "$BIN" scp03t wrap --enc "$ENC" --mac "$MAC" \
	--kvn "$KVN" --host-challenge 1122 --card-response "$VALUE" "$PKG"
expect 2 "wrap with --segment-size 0" "$BIN" scp03t wrap "${W[@]}" --segment-size 0 "$PKG"
expect 2 "wrap with an unknown option" "$BIN" scp03t wrap "${W[@]}" --bogus 1 "$PKG"
expect 2 "wrap with a 15-byte key" "$BIN" scp03t wrap --enc "${ENC:2}" --mac "$MAC" --kvn "$KVN" \
	--host-challenge "$HC" --card-response "$VALUE" "$PKG"
expect 2 "unwrap without --out" "$BIN" scp03t unwrap --enc "$ENC" --mac "$MAC" --aid "$AID" \
	--sequence-counter "$SEQ"
expect 2 "unwrap with a 2-byte counter" "$BIN" scp03t unwrap --enc "$ENC" --mac "$MAC" --aid "$AID" \
	--sequence-counter 0001 --out "$TMP/x"
expect 2 "scp03t without sub-verb" "$BIN" scp03t
expect 0 "wrap --help" "$BIN" scp03t wrap --help
grep -q -- --card-response "$TMP/out" || fail "wrap --help does not describe --card-response"
expect 0 "unwrap --help" "$BIN" scp03t unwrap --help
expect 3 "wrap of a missing file" "$BIN" scp03t wrap "${W[@]}" "$TMP/does-not-exist"

echo "scp03t CLI contract: ok"
