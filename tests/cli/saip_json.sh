#!/usr/bin/env bash
# m2mrsp saip decode | encode (ARCHITECTURE.md section 6): decode prints one JSON object with
# the header's fields and "elements"; encode of that JSON gives back the package's bytes.
set -u
bin=${1:?usage: saip_json.sh /path/to/m2mrsp}
here=$(cd "$(dirname "$0")" && pwd)
vec=$here/../../../shared/vectors/saip
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

expect_rc() { # want, description, command...
	local want=$1 what=$2
	shift 2
	"$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	local rc=$?
	[ "$rc" -eq "$want" ] || fail "$what: exit $rc, want $want ($(head -c 300 "$tmp/err"))"
}

pkg=$vec/TS48v2_SAIP2.3_NoBERTLV.der
"$bin" saip decode "$pkg" >"$tmp/p.json" || fail "decode exits $?"
python3 - "$tmp/p.json" <<'PY' || fail "decode output"
import json, sys
text = open(sys.argv[1]).read()
d = json.loads(text)  # exactly one JSON value
assert isinstance(d, dict), "not an object"
assert d["iccid"] == "89000123456789012341", d["iccid"]
assert d["profileType"] == "GSMA Generic eUICC Test Profile"
want = ("header mf pukCodes pinCodes telecom pinCodes genericFileManagement usim opt-usim "
        "pinCodes akaParameter gsm-access df-5gs df-saip csim opt-csim pinCodes cdmaParameter "
        "isim opt-isim pinCodes akaParameter genericFileManagement genericFileManagement "
        "securityDomain rfm rfm rfm rfm end").split()
got = [e["type"] for e in d["elements"]]
assert got == want, got
assert d["elements"][0]["header"]["iccid"] == d["iccid"]
PY

# Round trip on every package, compact and pretty, to a file and to a pipe.
for f in "$vec"/*.der; do
	n=$(basename "$f" .der)
	"$bin" saip decode "$f" >"$tmp/$n.json" || fail "$n: decode exits $?"
	"$bin" saip encode -o "$tmp/$n.der" "$tmp/$n.json" || fail "$n: encode exits $?"
	cmp -s "$f" "$tmp/$n.der" || fail "$n: encode -o differs from the original"
	"$bin" saip decode --pretty "$f" | "$bin" saip encode - | cat >"$tmp/$n.2.der"
	cmp -s "$f" "$tmp/$n.2.der" || fail "$n: pretty decode | encode differs"
done

# Errors: malformed JSON 1, bad values 1 with the path, missing file 3, usage 2.
printf '{"elements": [' >"$tmp/broken.json"
expect_rc 1 "broken JSON" "$bin" saip encode -o "$tmp/x.der" "$tmp/broken.json"
[ ! -e "$tmp/x.der" ] || fail "output written for broken JSON"
python3 - "$tmp/p.json" "$tmp/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["elements"][7]["usim"]["ef-imsi"][1] = {"fillFileContent": "zz"}
json.dump(d, open(sys.argv[2], "w"))
PY
expect_rc 1 "bad hex" "$bin" saip encode -o "$tmp/x.der" "$tmp/bad.json"
grep -q 'elements\[7\]\.usim\.ef-imsi\[1\]\.fillFileContent' "$tmp/err" ||
	fail "bad hex: no JSON path in '$(cat "$tmp/err")'"
expect_rc 1 "not a package" "$bin" saip decode "$tmp/broken.json"
expect_rc 3 "decode missing file" "$bin" saip decode "$tmp/nonexistent.der"
expect_rc 3 "encode missing file" "$bin" saip encode -o "$tmp/x.der" "$tmp/nonexistent.json"
expect_rc 3 "unwritable output" "$bin" saip encode -o "$tmp/no/such/dir.der" "$tmp/p.json"
expect_rc 2 "decode without file" "$bin" saip decode
expect_rc 2 "decode unknown option" "$bin" saip decode --bogus "$pkg"
expect_rc 2 "encode without file" "$bin" saip encode -o "$tmp/x.der"
expect_rc 0 "decode --help" "$bin" saip decode --help
expect_rc 0 "encode --help" "$bin" saip encode --help

[ "$fails" -eq 0 ] && echo "saip_json: all passed"
exit $((fails > 0))
