#!/usr/bin/env bash
# `m2mrsp fleet`: usage errors (exit 2), unreadable files and an unreachable SM-SR (exit 3),
# bad input rows (exit 1, reported with their line), an input with nothing to do (exit 0).
# The calls themselves are tested against a fake SM-SR by tests/fleet/test_fleet.c.
set -uo pipefail
bin=$1
failures=0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

fail() { echo "FAIL $*"; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }

# expect CODE WHAT ARGS...: runs the binary, checks the exit code.
expect() {
	local want=$1 what=$2
	shift 2
	"$bin" "$@" >"$dir/out" 2>"$dir/err"
	local rc=$?
	if grep -q "Sanitizer\|runtime error" "$dir/err"; then
		fail "$what: sanitizer report"
		sed 's/^/    /' "$dir/err"
	elif [ "$rc" = "$want" ]; then ok "$what (exit $rc)"; else
		fail "$what: exit $rc, wanted $want"
		sed 's/^/    /' "$dir/err"
	fi
}

"$bin" pki init "$dir/pki" >/dev/null || fail "pki init"
p=$dir/pki
eid=89049032ABCDEF000000000000000001
iccid=8944500102198304826
printf 'eid,iccid\n%s,%s\n' "$eid" "$iccid" >"$dir/in.csv"
# A port nobody listens on: the first of a range that bash cannot connect to.
port=
for cand in $(seq 39901 39999); do
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$cand") 2>/dev/null; then
		port=$cand
		break
	fi
done
[ -n "$port" ] || { echo "FAIL no free port"; exit 1; }
url=https://127.0.0.1:$port
tls=(--cert "$p/mno1-tls.crt" --key "$p/mno1-tls.key" --ca "$p/tls-ca.crt")
base=(--input "$dir/in.csv" --smsr "$url" "${tls[@]}")

expect 0 "fleet --help" fleet --help
expect 2 "fleet without an operation" fleet
expect 2 "unknown operation" fleet reboot "${base[@]}"
expect 0 "fleet enable --help" fleet enable --help
grep -q -- "--input FILE.csv" "$dir/out" && ok "help names --input" || fail "help text"
expect 0 "fleet smsr-change --help" fleet smsr-change --help
grep -q -- "--target-smsr" "$dir/out" && ok "smsr-change help names --target-smsr" ||
	fail "smsr-change help"

expect 2 "missing --input" fleet enable --smsr "$url" "${tls[@]}"
expect 2 "missing --smsr" fleet enable --input "$dir/in.csv" "${tls[@]}"
expect 2 "missing --cert" fleet enable --input "$dir/in.csv" --smsr "$url" --key k --ca c
expect 2 "plain http SM-SR" fleet enable --input "$dir/in.csv" --smsr http://127.0.0.1:1 "${tls[@]}"
for c in 0 abc 10001 -1 ""; do
	expect 2 "--concurrency '$c'" fleet enable "${base[@]}" --concurrency "$c"
done
expect 2 "--sync with --concurrency 300" fleet enable "${base[@]}" --sync --concurrency 300
expect 2 "--timeout 0" fleet enable "${base[@]}" --timeout 0
expect 2 "--validity x" fleet enable "${base[@]}" --validity x
expect 2 "--limit 0" fleet enable "${base[@]}" --limit 0
expect 2 "--progress sometimes" fleet enable "${base[@]}" --progress sometimes
expect 2 "--batch-id with a hyphen" fleet enable "${base[@]}" --batch-id a-b
expect 2 "--log-level loud" fleet enable "${base[@]}" --log-level loud
expect 2 "--callback-listen without a port" fleet enable "${base[@]}" --callback-listen 127.0.0.1
expect 2 "--callback-listen port 70000" fleet enable "${base[@]}" --callback-listen 127.0.0.1:70000
expect 2 "--callback-listen 0.0.0.0 without --callback-url" fleet enable "${base[@]}" \
	--callback-listen 0.0.0.0:0
expect 2 "--callback-url http" fleet enable "${base[@]}" --callback-url http://x/soap/es4
expect 2 "--sync with --callback-listen" fleet enable "${base[@]}" --sync \
	--callback-listen 127.0.0.1:0
expect 2 "--target-smsr for enable" fleet enable "${base[@]}" --target-smsr 1.2.3
expect 2 "smsr-change without --target-smsr" fleet smsr-change "${base[@]}"
expect 2 "smsr-change --target-smsr not an OID" fleet smsr-change "${base[@]}" --target-smsr smsr2
expect 2 "smsr-change --target-url without --current-smsr" fleet smsr-change "${base[@]}" \
	--target-smsr 1.2.3 --target-url "$url"
expect 2 "--output is the input" fleet enable "${base[@]}" --output "$dir/in.csv"
expect 2 "--output is the input by another name" fleet enable "${base[@]}" \
	--output "$dir/./in.csv"

# Files.
expect 3 "input missing" fleet enable --input "$dir/none.csv" --smsr "$url" "${tls[@]}"
expect 3 "--cert missing" fleet enable --input "$dir/in.csv" --smsr "$url" \
	--cert "$dir/none.crt" --key "$p/mno1-tls.key" --ca "$p/tls-ca.crt"
printf 'id,iccid\n1,%s\n' "$iccid" >"$dir/noeid.csv"
expect 2 "input without an eid column" fleet enable --input "$dir/noeid.csv" --smsr "$url" "${tls[@]}"
grep -q "header row needs the columns eid and iccid" "$dir/err" && ok "says which columns" ||
	fail "missing-column message"
printf 'something,else\n' >"$dir/foreign.csv"
expect 2 "--output not a result file" fleet enable "${base[@]}" --output "$dir/foreign.csv"
[ "$(cat "$dir/foreign.csv")" = "something,else" ] && ok "foreign file left alone" ||
	fail "foreign file changed"

# Nothing listens at the SM-SR's address: exit 3 after the first calls, not after every row.
{
	echo "eid,iccid"
	for i in $(seq 10 59); do echo "89049032ABCDEF0000000000000000$i,$iccid"; done
} >"$dir/many.csv"
expect 3 "SM-SR unreachable" fleet enable --input "$dir/many.csv" --smsr "$url" "${tls[@]}" \
	--concurrency 2 --progress off
n=$(grep -c ',ERROR,,,transport: ' "$dir/many.result.csv")
[ "$n" = 2 ] && ok "stopped after the calls already out ($n)" || fail "$n rows tried"
grep -q "the SM-SR cannot be reached" "$dir/err" && ok "says the SM-SR cannot be reached" ||
	fail "unreachable message"
grep -q "48 rows not done" "$dir/out" && ok "summary counts the rows left" || fail "summary"
grep -q "EXECUTED_SUCCESS 0, EXECUTED_WITHWARNING 0, FAILED 0, EXPIRED 0, ERROR 2" "$dir/out" &&
	ok "summary by status" || fail "summary by status: $(cat "$dir/out")"

# Only bad rows: nothing is sent (the SM-SR is not even contacted), each is reported.
printf 'eid,iccid\nnot-an-eid,%s\n%s,12345\n%s,%s,extra\n' "$iccid" "$eid" "$eid" "$iccid" \
	>"$dir/bad.csv"
expect 1 "only bad rows" fleet enable --input "$dir/bad.csv" --smsr "$url" "${tls[@]}" \
	--output "$dir/bad.out.csv" --progress off
want="eid,iccid,status,subject_code,reason_code,message,function_call_id,seconds
not-an-eid,$iccid,ERROR,,,input line 2: the EID must be 32 hex digits,,0.000
$eid,12345,ERROR,,,input line 3: the ICCID must be 89 and 4 to 18 digits,,0.000
$eid,$iccid,ERROR,,,\"input line 4: 3 fields, the header has 2\",,0.000"
[ "$(cat "$dir/bad.out.csv")" = "$want" ] && ok "bad rows in the result file" ||
	fail "bad rows: $(cat "$dir/bad.out.csv")"
grep -q "bad.csv: input line 3: the ICCID must be" "$dir/err" && ok "bad rows on stderr" ||
	fail "bad rows on stderr"
# A second run reports them again, once each.
expect 1 "only bad rows, again" fleet enable --input "$dir/bad.csv" --smsr "$url" "${tls[@]}" \
	--output "$dir/bad.out.csv" --progress off
[ "$(cat "$dir/bad.out.csv")" = "$want" ] && ok "bad rows not doubled" ||
	fail "bad rows again: $(cat "$dir/bad.out.csv")"

# Progress: plain lines "done/total, rate/s, ETA, failures"; on a terminal one line redrawn
# in place (--progress tty forces that mode here, where stderr is a file).
expect 1 "plain progress" fleet enable --input "$dir/bad.csv" --smsr "$url" "${tls[@]}" \
	--output "$dir/bad.out.csv" --progress plain
grep -Eq '^fleet enable: 3/3, [0-9.]+/s, ETA 0:00, 3 failures$' "$dir/err" &&
	ok "plain progress line" || fail "plain progress: $(cat "$dir/err")"
expect 1 "tty progress" fleet enable --input "$dir/bad.csv" --smsr "$url" "${tls[@]}" \
	--output "$dir/bad.out.csv" --progress tty
grep -q $'\r\e\[K3/3, ' "$dir/err" && ok "live line redrawn with CR and erase-line" ||
	fail "tty progress: $(od -c "$dir/err" | head)"
grep -q 'fleet enable: 3/3, 3 failures$' "$dir/err" && ok "final line after the live one" ||
	fail "tty final line"

# A header and no rows: nothing to do, success.
printf 'eid,iccid\n' >"$dir/empty.csv"
expect 0 "no rows" fleet enable --input "$dir/empty.csv" --smsr "$url" "${tls[@]}" --progress off
[ "$(cat "$dir/empty.result.csv")" = \
	"eid,iccid,status,subject_code,reason_code,message,function_call_id,seconds" ] &&
	ok "default output name, header only" || fail "empty result"

[ "$failures" = 0 ] && echo "all fleet CLI checks passed" || echo "$failures failure(s)"
[ "$failures" = 0 ]
