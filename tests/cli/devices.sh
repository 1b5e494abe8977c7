#!/usr/bin/env bash
# Contract of `m2mrsp devices init/list/show/run` (docs/devices.md, exit codes of
# ARCHITECTURE.md section 6). Known answers: the key derivation of docs/devices.md computed
# with pyca/cryptography (AES-CMAC) for seed 000102...0f, and the SGP.29 EID check digits.
# usage: bash tests/cli/devices.sh /path/to/m2mrsp
set -euo pipefail

BIN=${1:?usage: devices.sh /path/to/m2mrsp}
HERE=$(cd "$(dirname "$0")" && pwd)
BOOT="$HERE/../../../shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der"
TMP=$(mktemp -d)
DAEMON=""
cleanup() {
	if [[ -n "$DAEMON" ]]; then kill "$DAEMON" 2>/dev/null || true; fi
	rm -rf "$TMP"
}
trap cleanup EXIT
FAILS=0
fail() { echo "FAIL: $*" >&2; FAILS=$((FAILS + 1)); }

# run EXPECTED_RC ARGS...: stdout in $OUT, stderr in $ERR.
run() {
	local want=$1; shift
	local rc=0
	OUT=$("$BIN" "$@" 2>"$TMP/err") || rc=$?
	ERR=$(cat "$TMP/err")
	if [[ $rc -ne $want ]]; then
		fail "m2mrsp $* exited $rc, expected $want; stderr: $ERR"
		return 1
	fi
	return 0
}

SEED=000102030405060708090a0b0c0d0e0f
DB="$TMP/farm.sqlite"
EID0=89999000000000000000000000000033
EID1=89999000000000000000000000000130

# init: 3 devices, fixed seed.
if run 0 devices init --db "$DB" --count 3 --bootstrap "$BOOT" --seed $SEED --quiet; then
	[[ "$OUT" == *"devices 3"* ]] || fail "init summary: $OUT"
fi

# list: one line per device; EID with fresh check digits, MSISDN, derived KIc of device 0.
if run 0 devices list --db "$DB"; then
	[[ $(echo "$OUT" | wc -l) -eq 3 ]] || fail "list: 3 lines expected, got: $OUT"
	LINE0=$(echo "$OUT" | head -1)
	[[ "$LINE0" == "$EID0 882990000000000 scp80=01:769DAF3E79D67D4FF310A7D38B7C723E:"* ]] ||
		fail "list line 0: $LINE0"
	[[ "$LINE0" == *" isdp=000010:enabled:89882990000000000007:fallback" ]] ||
		fail "list line 0 ISD-P: $LINE0"
	[[ "$LINE0" == *"psk=40:8001028110${EID0}4F10A0000005591010FFFFFFFF8900000100820101830140:"* ]] ||
		fail "list line 0 PSK identity: $LINE0"
fi
if run 0 devices list --db "$DB" --json; then
	[[ $(echo "$OUT" | wc -l) -eq 3 ]] || fail "list --json: 3 lines expected"
	[[ "$OUT" == *"\"eid\":\"$EID1\",\"msisdn\":\"882990000000001\""* ]] ||
		fail "list --json device 1: $OUT"
fi

# show: one device, indented JSON with keys; the farm summary.
if run 0 devices show --db "$DB" $EID1; then
	[[ "$OUT" == *"\"iccid\": \"89882990000000000015\""* ]] || fail "show ICCID: $OUT"
	[[ "$OUT" == *"\"value\": "* ]] || fail "show has no key values"
fi
if run 0 devices show --db "$DB"; then
	[[ "$OUT" == *"\"devices\": 3"* ]] || fail "show summary count: $OUT"
	[[ "$OUT" == *"BEGIN PUBLIC KEY"* ]] || fail "show summary keys: $OUT"
	[[ $(echo "$OUT" | grep -c '"sha256"') -eq 1 ]] || fail "one shared package expected"
fi

# Refusals.
run 1 devices show --db "$DB" 89999000000000000000000000000999 || true
run 2 devices show --db "$DB" 8999 || true
run 1 devices init --db "$DB" --count 1 --bootstrap "$BOOT" --quiet || true
[[ "$ERR" == *"already holds 3"* ]] || fail "second init: $ERR"
run 2 devices init --db "$TMP/x.sqlite" --count 0 --bootstrap "$BOOT" || true
run 2 devices init --db "$TMP/x.sqlite" --count 1 --bootstrap "$BOOT" --seed 0011 || true
run 2 devices init --db "$TMP/x.sqlite" --count 1 --bootstrap "$BOOT" --key-len 20 || true
run 2 devices init --db "$TMP/x.sqlite" --count 1 || true
run 2 devices init --db "$TMP/x.sqlite" --count 1 --bootstrap "$BOOT" --eum-key "$BOOT" || true
run 3 devices init --db "$TMP/x.sqlite" --count 1 --bootstrap "$TMP/missing.der" || true
run 3 devices init --db "$TMP/no/such/dir/x.sqlite" --count 1 --bootstrap "$BOOT" --quiet || true
run 1 devices init --db "$TMP/y.sqlite" --count 1 --bootstrap "$HERE/devices.sh" --quiet || true
run 3 devices list --db "$TMP/missing.sqlite" || true
run 2 devices list || true
run 2 devices run --db "$DB" || true
run 2 devices run --db "$DB" --smpp 127.0.0.1:99999 || true
run 2 devices run --db "$DB" --smpp 127.0.0.1:0 --drop 1.5 || true
run 1 devices run --db "$DB" --smpp 127.0.0.1:0 --attach-fail 12 || true
# --notify sms|https; --vpcd and --expose together, a valid address and a known EID.
run 2 devices run --db "$DB" --smpp 127.0.0.1:0 --notify mms || true
run 2 devices run --db "$DB" --smpp 127.0.0.1:0 --vpcd 127.0.0.1:35963 || true
run 2 devices run --db "$DB" --smpp 127.0.0.1:0 --expose $EID1 || true
run 1 devices run --db "$DB" --smpp 127.0.0.1:0 --vpcd 127.0.0.1 --expose $EID1 || true
run 1 devices run --db "$DB" --smpp 127.0.0.1:0 --vpcd 127.0.0.1:1 --expose 8999 || true
run 1 devices run --db "$DB" --smpp 127.0.0.1:0 --vpcd 127.0.0.1:1 \
	--expose 89999000000000000000000000000999 || true
run 0 devices --help || true
run 0 devices init --help || true

# run: start on free ports, ask the control API, stop with SIGTERM (exit 0).
"$BIN" devices run --db "$DB" --smpp 127.0.0.1:0 --control 127.0.0.1:0 --log-level warn \
	>"$TMP/run.out" 2>"$TMP/run.err" &
DAEMON=$!
for _ in $(seq 1 100); do
	grep -q '^control ' "$TMP/run.out" 2>/dev/null && break
	sleep 0.1
done
PORT=$(sed -n 's/^control 127.0.0.1://p' "$TMP/run.out")
if [[ -z "$PORT" ]]; then
	fail "devices run printed no control address: $(cat "$TMP/run.err")"
else
	exec 3<>"/dev/tcp/127.0.0.1/$PORT"
	printf 'GET /devices/%s HTTP/1.0\r\nHost: x\r\n\r\n' $EID1 >&3
	REPLY=$(cat <&3)
	exec 3<&-
	[[ "$REPLY" == *"200 OK"* && "$REPLY" == *"\"msisdn\":\"882990000000001\""* ]] ||
		fail "control API GET /devices: $REPLY"
	[[ "$REPLY" != *"\"value\""* ]] || fail "control API shows key values"
fi
kill -TERM "$DAEMON"
RC=0
wait "$DAEMON" || RC=$?
DAEMON=""
[[ $RC -eq 0 ]] || fail "devices run exited $RC after SIGTERM"

if [[ $FAILS -ne 0 ]]; then
	echo "devices.sh: $FAILS failure(s)" >&2
	exit 1
fi
echo "devices.sh: all checks passed"
