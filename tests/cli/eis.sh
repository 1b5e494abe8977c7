#!/usr/bin/env bash
# `m2mrsp eis make | verify | register` (docs/eis.md). The devices are written here in the
# form `m2mrsp devices list --json` prints (docs/devices.md "Device JSON"), with ECASD
# certificates made by OpenSSL's command-line tool; the EIS files are then checked with tools
# independent of ours: the XML-DSig digest and signature with xmllint's exclusive
# canonicalisation and `openssl dgst -verify`, the ISD-R keys with `openssl enc -d`.
set -uo pipefail
bin=$1
HERE=$(cd "$(dirname "$0")" && pwd)
BOOT="$HERE/../../../shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der"
RPS=http://namespaces.gsma.org/esim-messaging/3
DS='http://www.w3.org/2000/09/xmldsig#'
failures=0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

fail() { echo "FAIL $*"; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }
for tool in openssl xmllint xxd perl; do
	command -v $tool >/dev/null || { echo "FAIL $tool is needed"; exit 1; }
done

# run WANT_EXIT ARGS...: runs m2mrsp, keeps stdout in $OUT and stderr in $ERR.
run() {
	local want=$1
	shift
	OUT=$("$bin" "$@" 2>"$dir/err")
	local rc=$?
	ERR=$(cat "$dir/err")
	if [ $rc -ne "$want" ]; then
		fail "m2mrsp $* exited $rc, not $want: $OUT $ERR"
		return 1
	fi
	return 0
}

"$bin" pki init "$dir/p" >/dev/null || fail "pki init"
"$bin" pki init "$dir/q" >/dev/null || fail "pki init (a second PKI)"
p=$dir/p

# A DER ECDSA signature (stdin) as r||s in hex, 32 bytes each.
der_to_rs() {
	local h
	h=$(xxd -p -c 256)
	local i=4 rs=""
	[ "${h:2:2}" = "81" ] && i=6
	for _ in 1 2; do
		local len=$((16#${h:$((i + 2)):2}))
		local v=${h:$((i + 4)):$((2 * len))}
		while [ ${#v} -gt 64 ]; do v=${v:2}; done
		while [ ${#v} -lt 64 ]; do v=00$v; done
		rs=$rs$v
		i=$((i + 4 + 2 * len))
	done
	echo "$rs"
}

# r||s hex (argument) as DER (stdout, binary).
rs_to_der() {
	local rs=$1 body=""
	for v in "${rs:0:64}" "${rs:64:64}"; do
		while [ "${v:0:2}" = "00" ] && [ ${#v} -gt 2 ]; do v=${v:2}; done
		[ $((16#${v:0:1})) -ge 8 ] && v=00$v
		body=$body$(printf '02%02x%s' $((${#v} / 2)) "$v")
	done
	printf '30%02x%s' $((${#body} / 2)) "$body" | xxd -r -p
}

# CERT.ECASD.ECKA (GP 7F21, gpcert.h) for EID $1 signed by the key file $2, in hex.
ecasd_cert() {
	local eid=$1 signer=$2 point body sig
	openssl ecparam -name prime256v1 -genkey -noout -out "$dir/ecasd.key" 2>/dev/null
	point=$(openssl ec -in "$dir/ecasd.key" -pubout -outform DER 2>/dev/null | tail -c 65 |
		xxd -p -c 256)
	body="9310${eid}4208CAFECAFECAFECAFE5F2010${eid}950200805F24042049123173"
	body="${body}0AC908CAFECAFECAFECAFE7F4946B041${point}F00100"
	sig=$(echo "$body" | xxd -r -p | openssl dgst -sha256 -sign "$signer" | der_to_rs)
	body="${body}5F3740${sig}"
	printf '7F2181%02X%s' $((${#body} / 2)) "$body"
}

EID1=89001012012341234012345678901224
EID2=89001012012341234012345678901232
KIC=000102030405060708090A0B0C0D0E0F
KID=101112131415161718191A1B1C1D1E1F
DEK=202122232425262728292A2B2C2D2E2F
PSK=303132333435363738393A3B3C3D3E3F
device() { # EID MSISDN ICCID CERT [with key values: yes/no]
	local v1="\"value\":\"$KIC\"," v2="\"value\":\"$KID\"," v3="\"value\":\"$DEK\"," v4="\"value\":\"$PSK\","
	[ "$5" = no ] && v1="" v2="" v3="" v4=""
	cat <<EOF
{"eid":"$1","msisdn":"$2","isdr_keysets":[{"kvn":1,"kind":"scp80","kic_alg":2,"kid_alg":2,"counter":7,"keys":[{"id":1,"type":"aes","length":16,${v1}"x":0},{"id":2,"type":"aes","length":16,${v2}"x":0},{"id":3,"type":"aes","length":16,${v3}"x":0}]},{"kvn":64,"kind":"scp81","keys":[{"id":1,"type":"psk-tls","length":16,${v4}"psk_identity":"-"}]}],"ecasd":{"curve":"P-256","cert":"$4"},"isdps":[{"aid":"A0000005591010FFFFFFFF8900001000","tar":"000010","state":"enabled","iccid":"$3","fallback":true,"emergency":false,"pol1":"00","mem_reserved":131072,"mem_used":12251,"package":true},{"aid":"A0000005591010FFFFFFFF8900001100","tar":"000011","state":"installed","fallback":false,"emergency":false,"pol1":"00","mem_reserved":0,"mem_used":0,"package":false}],"notifications":[],"mem_total":1048576,"mem_free":917504}
EOF
}
C1=$(ecasd_cert $EID1 "$p/eum1.key")
C2=$(ecasd_cert $EID2 "$p/eum1.key")
{ device $EID1 882990000000000 89882990000000000007 "$C1" yes
  device $EID2 882990000000001 89882990000000000015 "$C2" yes; } >"$dir/dev.json"

# ---- make -------------------------------------------------------------------------------
if run 0 eis make --devices "$dir/dev.json" --pki "$p" --out "$dir/out"; then
	[ -f "$dir/out/$EID1.xml" ] && [ -f "$dir/out/$EID2.xml" ] && ok "make: one file per device" ||
		fail "make: files missing ($(ls "$dir/out"))"
	echo "$OUT" | grep -q "2 EIS in" || fail "make: summary: $OUT"
fi
TK=$(cat "$dir/out/transport.key" 2>/dev/null)
[ ${#TK} -eq 32 ] && ok "make: transport key made" || fail "transport key '$TK'"
[ "$(stat -c %a "$dir/out/transport.key")" = 600 ] && ok "transport key 0600" ||
	fail "transport key mode $(stat -c %a "$dir/out/transport.key")"
F1=$dir/out/$EID1.xml

# ---- verify ------------------------------------------------------------------------------
run 0 eis verify --pki "$p" "$F1" && echo "$OUT" | grep -q "valid EIS of EID $EID1" &&
	ok "verify: valid" || fail "verify: $OUT"
run 0 eis verify --pki "$p" --transport-key "$TK" "$dir/out/$EID2.xml" &&
	echo "$OUT" | grep -q "keys checked" && ok "verify: keys checked" || fail "verify keys: $OUT"

# ---- the signature, checked without m2mrsp ------------------------------------------------
perl -0ne 'print $1 if /(<rps:EumSignedInfo>.*<\/rps:EumSignedInfo>)/s' "$F1" |
	sed "1s|<rps:EumSignedInfo>|<rps:EumSignedInfo xmlns:rps=\"$RPS\">|" >"$dir/si.xml"
digest=$(xmllint --exc-c14n "$dir/si.xml" | openssl dgst -sha256 -binary | base64)
want=$(perl -0ne 'print $1 if /<ds:DigestValue>([^<]*)</s' "$F1")
[ -n "$want" ] && [ "$digest" = "$want" ] && ok "DigestValue = SHA-256 of xmllint --exc-c14n" ||
	fail "digest $digest != $want"
perl -0ne 'print $1 if /(<ds:SignedInfo>.*<\/ds:SignedInfo>)/s' "$F1" |
	sed "1s|<ds:SignedInfo>|<ds:SignedInfo xmlns:ds=\"$DS\">|" >"$dir/sinfo.xml"
xmllint --exc-c14n "$dir/sinfo.xml" >"$dir/sinfo.c14n"
rs=$(perl -0ne 'print $1 if /<ds:SignatureValue>([^<]*)</s' "$F1" | base64 -d | xxd -p -c 256)
[ ${#rs} -eq 128 ] && ok "SignatureValue is r||s (64 bytes)" || fail "signature length ${#rs}"
rs_to_der "$rs" >"$dir/sig.der"
openssl x509 -in "$p/eum1.crt" -pubkey -noout >"$dir/eum.pub"
out=$(openssl dgst -sha256 -verify "$dir/eum.pub" -signature "$dir/sig.der" "$dir/sinfo.c14n" 2>&1) &&
	ok "openssl verifies the EUM's ECDSA signature" || fail "openssl: $out"
kc=$(perl -0ne 'print $1 if /<ds:X509Certificate>([^<]*)</s' "$F1")
echo "$kc" | base64 -d | openssl x509 -inform DER -noout -subject 2>/dev/null | grep -q eum1 &&
	ok "KeyInfo carries the EUM certificate" || fail "KeyInfo certificate"

# ---- the keys, checked without m2mrsp -----------------------------------------------------
val=$(perl -0ne 'print $1 if /<rps:Index>1<\/rps:Index>\s*<rps:KeyComponents type="88" value="([0-9A-F]+)"/s' "$F1")
kcv=$(perl -0ne 'print $1 if /<rps:Key kcv="([0-9A-F]+)">\s*<rps:Index>1</s' "$F1")
clear=$(echo "$val" | xxd -r -p | openssl enc -d -aes-128-ecb -K "$TK" 2>/dev/null | xxd -p -c 64)
[ "${clear^^}" = "$KIC" ] && ok "KIc decrypts with AES-128-ECB + PKCS#7 under the transport key" ||
	fail "KIc decrypted to '$clear' (value '$val')"
want=$(printf '\x01%.0s' $(seq 16) | openssl enc -aes-128-ecb -K "$KIC" -nopad | xxd -p | head -c 6)
[ "$kcv" = "${want^^}" ] && ok "KCV = AES(KIc, 01..01)[0..2]" || fail "KCV $kcv != $want"
grep -q "<rps:Cntr>7</rps:Cntr>" "$F1" && ok "SCP80 counter" || fail "counter"
grep -q "<rps:Msisdn>882990000000000</rps:Msisdn>" "$F1" && ok "MSISDN on the enabled profile" ||
	fail "msisdn"
[ "$(grep -o '<rps:ProfileInfo>' "$F1" | wc -l)" = 1 ] && ok "an ISD-P without a profile has no ProfileInfo" ||
	fail "ProfileInfo count"

# ---- refusals ----------------------------------------------------------------------------
sed 's|<rps:PlatformVersion>1.0.0|<rps:PlatformVersion>1.0.1|' "$F1" >"$dir/t.xml"
run 1 eis verify --pki "$p" "$dir/t.xml" && echo "$OUT" | grep -q "8.6/6.1 .*digest" &&
	ok "verify: a changed signed field" || fail "tampered: $OUT"
run 1 eis verify --pki "$p" --transport-key 000102030405060708090A0B0C0D0E0F "$F1" &&
	echo "$OUT" | grep -q "8.4/6.1" && ok "verify: wrong transport key" || fail "tk: $OUT"
run 1 eis verify --pki "$dir/q" "$F1" && echo "$OUT" | grep -q "8.6/6.1" &&
	ok "verify: another EUM's certificate" || fail "other EUM: $OUT"
run 1 eis verify --pki "$p" --ci "$dir/q/ci.crt" "$F1" &&
	echo "$OUT" | grep -q "not issued by the CI" && ok "verify: an EUM not from the CI" ||
	fail "other CI: $OUT"
echo '<rps:Eis xmlns:rps="'$RPS'"/>' >"$dir/empty.xml"
run 1 eis verify --pki "$p" "$dir/empty.xml" && ok "verify: not valid against the schema" || true
echo '<x/>' >"$dir/x.xml"
run 1 eis verify --pki "$p" "$dir/x.xml" && echo "$OUT" | grep -q "not an EIS file" &&
	ok "verify: not an EIS" || fail "x.xml: $OUT"
run 3 eis verify --pki "$p" "$dir/none.xml" && ok "verify: missing file" || true
run 2 eis verify "$F1" && ok "verify: --pki required" || true

device $EID1 882990000000000 89882990000000000007 "$C1" no >"$dir/nokeys.json"
run 1 eis make --devices "$dir/nokeys.json" --pki "$p" --out "$dir/o2" &&
	echo "$ERR" | grep -q "no value" && ok "make: key values needed" || fail "nokeys: $ERR"
run 1 eis make --devices "$dir/dev.json" --pki "$dir/q" --out "$dir/o3" &&
	echo "$ERR" | grep -q "CERT.ECASD.ECKA" && ok "make: ECASD certificates of another EUM" ||
	fail "other EUM: $ERR"
echo '{"eid":' >"$dir/bad.json"
run 1 eis make --devices "$dir/bad.json" --pki "$p" --out "$dir/o4" && ok "make: bad JSON" || true
run 2 eis make --devices "$dir/dev.json" --pki "$p" --out "$dir/o5" --eum-id eum1 &&
	ok "make: Eum-id must be an object identifier" || true
run 2 eis make --devices "$dir/dev.json" --pki "$p" --out "$dir/o5" --transport-key 00 &&
	ok "make: transport key length" || true
run 3 eis make --devices "$dir/none.json" --pki "$p" --out "$dir/o6" && ok "make: no devices file" ||
	true
run 0 eis make --devices "$dir/dev.json" --pki "$p" --out "$dir/o7" --transport-key "$KIC" \
	--eum-id 1.2.3 --smsr-id 1.2.4 --mno-id 1.2.5 --profile-type boot &&
	grep -q "<rps:Eum-id>1.2.3</rps:Eum-id>" "$dir/o7/$EID1.xml" &&
	grep -q "<rps:ProfileType>boot</rps:ProfileType>" "$dir/o7/$EID1.xml" &&
	[ ! -f "$dir/o7/transport.key" ] && ok "make: ids and a given transport key" ||
	fail "make with ids"

# ---- register: no SM-SR listening (the service logic is tested in tests/smsr) -------------
run 3 eis register --url https://127.0.0.1:1/soap/es1 --cert "$p/eum1-tls.crt" \
	--key "$p/eum1-tls.key" --ca "$p/tls-ca.crt" "$F1" && ok "register: connection refused" || true
run 2 eis register --url https://127.0.0.1:1/soap/es1 --cert "$p/eum1-tls.crt" \
	--key "$p/eum1-tls.key" --ca "$p/tls-ca.crt" && ok "register: no file" || true
run 1 eis register --url https://127.0.0.1:1/soap/es1 --cert "$p/eum1-tls.crt" \
	--key "$p/eum1-tls.key" --ca "$p/tls-ca.crt" "$dir/x.xml" && ok "register: not an EIS" ||
	true

# ---- the farm's own devices -------------------------------------------------------------
if "$bin" devices init --db "$dir/farm.sqlite" --count 3 --bootstrap "$BOOT" \
	--eum-key "$p/eum1.key" --ci-key "$p/ci.crt" --seed 000102030405060708090a0b0c0d0e0f \
	--quiet >/dev/null 2>&1; then
	"$bin" devices list --db "$dir/farm.sqlite" --json >"$dir/farm.json"
	if run 0 eis make --devices "$dir/farm.json" --pki "$p" --out "$dir/farm"; then
		n=0
		for f in "$dir"/farm/*.xml; do
			run 0 eis verify --pki "$p" --transport-key "$(cat "$dir/farm/transport.key")" "$f" &&
				n=$((n + 1))
		done
		[ $n -eq 3 ] && ok "the farm's devices: 3 EIS made and verified" || fail "farm: $n of 3"
	fi
else
	fail "devices init with the PKI's EUM (needs $BOOT)"
fi

[ $failures -eq 0 ] && echo "eis.sh: all passed" || echo "eis.sh: $failures failed"
exit $((failures > 0))
