#!/usr/bin/env bash
# `m2mrsp demo` (docs/demo.md): usage errors (exit 2), a missing package and an unreachable
# PostgreSQL (exit 3), a --dir that already holds a demo (exit 2), and the whole demo with 20
# eUICCs: exit 0, every step ok, step 8 handing ten eUICCs over to SM-SR2 (a line each, the
# cards then holding only SM-SR2's ISD-R key set KVN 02), a table row per eUICC naming the
# SM-SR that holds it, which the test checks against the farm's database itself
# (`devices list --json`, the card's state), the SM-SRs' databases and logs where the demo
# says, no daemon left running.
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
	if grep -q "Sanitizer\|runtime error" "$dir/err" "$dir/out"; then
		fail "$what: sanitizer report"
		sed 's/^/    /' "$dir/err"
	elif [ "$rc" = "$want" ]; then ok "$what (exit $rc)"; else
		fail "$what: exit $rc, wanted $want"
		sed 's/^/    /' "$dir/out" "$dir/err" | tail -40
	fi
}

# ---- usage ----
expect 2 "unknown option" demo --frobnicate
expect 2 "--euiccs 0" demo --euiccs 0 --dir "$dir/u1"
expect 2 "--euiccs not a number" demo --euiccs ten --dir "$dir/u2"
expect 2 "--progress bad" demo --progress loud --dir "$dir/u3"
expect 2 "--postgres not a URL" demo --postgres /tmp/x --dir "$dir/u4"
expect 2 "a positional argument" demo extra
[ ! -e "$dir/u1" ] && [ ! -e "$dir/u2" ] || fail "a usage error created the work directory"
expect 0 "--help" demo --help
grep -q -- "--euiccs N" "$dir/out" || fail "--help does not name --euiccs"
expect 3 "a package that does not exist" demo --euiccs 2 --package "$dir/none.der" \
	--dir "$dir/u5"
expect 3 "a PostgreSQL that does not answer" demo --euiccs 2 --dir "$dir/u6" \
	--postgres 'postgresql://nobody@127.0.0.1:1/x?connect_timeout=2'
[ ! -e "$dir/u6" ] || fail "an unusable --postgres created the work directory"

# ---- the demo with 20 eUICCs ----
w=$dir/run
expect 0 "demo --euiccs 20" demo --euiccs 20 --dir "$w" --progress plain
cp "$dir/out" "$dir/demo.out"
out=$dir/demo.out
# A step's outcome: the first "ok|FAILED|skipped, T s:" line after its title.
outcome() { awk -v t="[$1/9]" 'index($0, t) == 1 { on = 1; next }
	on && /^      (ok|FAILED|skipped), / { print; exit }' "$out"; }
for s in 1 2 3 4 5 6 7 8; do
	outcome $s | grep -q "^      ok, " || fail "step $s is not ok: $(outcome $s)"
done
# Step 9's outcome comes after its table.
grep -q "^      ok, [0-9.]* s: 20 matched, 0 mismatched" "$out" || fail "step 9 is not ok"
# Step 8: ten eUICCs handed over, a line each, none of them used by steps 6 and 7.
outcome 8 | grep -q "s: 10 eUICCs handed over .*SM-SR1 no longer holds them, SM-SR2 does" ||
	fail "step 8 did not hand ten eUICCs over: $(outcome 8)"
moved=$(grep -o '^      [0-9]\{32\}  mno[12]: SM-SR1 -> SM-SR2 ok' "$out" | awk '{print $1}' | sort)
[ "$(echo "$moved" | grep -c .)" = 10 ] || fail "step 8 shows not 10 moved eUICCs: $moved"
grep -q '^      [0-9]\{32\}  mno[12]: FAILED' "$out" && fail "step 8 shows a failed eUICC"
grep -q "20 matched, 0 mismatched" "$out" || fail "summary: not 20 matched"
grep -q "^result: everything matched" "$out" || fail "no final 'everything matched'"
grep -q "work directory: $w" "$out" || fail "the work directory is not named"
for f in farm.log smsr.log smsr2.log smdp.log smsr.sqlite smsr2.sqlite smdp.sqlite farm.sqlite \
	smsr2.ini table.txt; do
	[ -s "$w/$f" ] || fail "$w/$f is missing or empty"
done

# The table: one ok line per eUICC, and what it says about the card is the farm's own
# database (the daemons are stopped, every state saved). The SM-SR column says smsr2 exactly
# for the cards whose ISD-R holds SM-SR2's key set alone (KVN 02, established in step 8;
# SM-SR1's KVN 01 deleted), smsr1 for the others (KVN 01 only).
[ "$(grep -c '  ok  ' "$w/table.txt")" = 20 ] || fail "table.txt has not 20 ok rows"
"$bin" devices list --db "$w/farm.sqlite" --json >"$dir/after.json" || fail "devices list"
want=$(perl -MJSON::PP -ne '
	my $d = decode_json($_);
	my @p = map { substr($_->{aid}, -8, 6) . ":" . $_->{iccid} . ":" .
	        ($_->{state} eq "enabled" ? "E" : $_->{state} eq "disabled" ? "D" : "C") }
	        @{$d->{isdps}};
	my @kvn = sort map { $_->{kvn} } grep { $_->{kind} eq "scp80" } @{$d->{isdr_keysets}};
	my $smsr = "@kvn" eq "2" ? "smsr2" : "@kvn" eq "1" ? "smsr1" : "kvn(@kvn)";
	print "$d->{eid}  $smsr  ok    @p\n";' "$dir/after.json" | sort)
got=$(grep '  ok  ' "$w/table.txt" | sed 's/ *$//' | sort)
[ "$want" = "$got" ] || { fail "table.txt differs from the farm's database"; diff <(echo "$want") <(echo "$got") | head; }
[ "$(grep -c '^[0-9]\{32\}  smsr2  ok  ' "$w/table.txt")" = 10 ] ||
	fail "table.txt has not 10 rows of SM-SR2"
[ "$(grep '^[0-9]\{32\}  smsr2  ' "$w/table.txt" | awk '{print $1}' | sort)" = "$moved" ] ||
	fail "the table's SM-SR2 rows are not the eUICCs step 8 moved"

# The story shows in the cards: 2 of 20 back on the bootstrap (000010) plus the fall-back
# device, the others on the operator's downloaded profile; the moved ones among those.
boot=$(grep -c ' 000010:[0-9]*:E' "$w/table.txt")
[ "$boot" = 3 ] || fail "$boot eUICCs on the bootstrap, wanted 3 (2 switched back, 1 fall-back)"
[ "$(grep '^[0-9]\{32\}  smsr2  ok  ' "$w/table.txt" | grep -c ' 000011:[0-9]*:E')" = 10 ] ||
	fail "a moved eUICC is not on the operator's profile (steps 6 and 7 used it?)"

# No sanitizer report in any child's log (the daemons and the verbs run as children).
if grep -l "Sanitizer\|runtime error" "$w"/*.log "$w"/*.out 2>/dev/null; then
	fail "a sanitizer report in the logs above"
fi

# The same directory again: refused before anything starts.
expect 2 "a --dir that holds a demo" demo --euiccs 2 --dir "$w"

# No daemon left: every pid of daemons.pids is gone.
for pid in $(cat "$w/daemons.pids" 2>/dev/null); do
	kill -0 "$pid" 2>/dev/null && fail "daemon $pid still running"
done

[ $failures -eq 0 ] && echo "all demo checks passed"
exit $((failures > 0))
