#!/usr/bin/env bash
# `m2mrsp pki init`: every certificate checked by OpenSSL's own command-line tool (an
# implementation independent of ours), the key files private, no silent overwrite.
set -uo pipefail
bin=$1
failures=0
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

fail() { echo "FAIL $*"; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }

"$bin" pki init "$dir/p" >/dev/null || fail "pki init exit $?"
p=$dir/p

out=$(openssl verify -CAfile "$p/ci.crt" "$p/eum1.crt" 2>&1) && ok "EUM chains to the CI" ||
	fail "EUM chain: $out"
for e in smsr1 smsr2 smdp1 mno1 mno2 m2msp1 eum1; do
	out=$(openssl verify -CAfile "$p/tls-ca.crt" "$p/$e-tls.crt" 2>&1) ||
		fail "$e TLS chain: $out"
	subj=$(openssl x509 -in "$p/$e-tls.crt" -noout -subject -nameopt sep_comma_plus,space_eq)
	case "$subj" in *"CN = $e"*) ;; *) fail "$e subject: $subj" ;; esac
	# The key file must hold the certificate's private key.
	a=$(openssl x509 -in "$p/$e-tls.crt" -noout -pubkey)
	b=$(openssl pkey -in "$p/$e-tls.key" -pubout)
	[ "$a" = "$b" ] || fail "$e key does not match its certificate"
done
ok "TLS certificates chain to the TLS CA, subjects and keys match"

subj=$(openssl x509 -in "$p/mno1-tls.crt" -noout -subject -nameopt sep_comma_plus,space_eq)
case "$subj" in *"OU = MNO"*) ok "role in OU" ;; *) fail "mno1 OU: $subj" ;; esac
openssl x509 -in "$p/smsr1-tls.crt" -noout -ext subjectAltName | grep -q "IP Address:127.0.0.1" &&
	ok "SAN 127.0.0.1" || fail "smsr1 SAN"
out=$(openssl verify -CAfile "$p/ci.crt" "$p/smsr1-tls.crt" 2>&1) &&
	fail "a TLS certificate verified against the CI: $out" || ok "TLS CA separate from the CI"

perm=$(stat -c %a "$p/ci.key")
[ "$perm" = 600 ] && ok "private keys 0600" || fail "ci.key mode $perm"

# GP certificate: 7F21 81 B1 { body..., 5F37 40 r||s }, signed by the CI.
hex=$(xxd -p "$p/smsr1-ecdsa.gpcert" | tr -d '\n')
case "$hex" in 7f2181*) ;; *) fail "gpcert tag: ${hex:0:8}" ;; esac
body=${hex:8:$((${#hex} - 8 - 134))}
sig=${hex: -128}
case "${hex:$((${#hex} - 134)):6}" in 5f3740) ;; *) fail "no 5F37 at the end" ;; esac
echo -n "$body" | xxd -r -p >"$dir/body"
r=${sig:0:64}
s=${sig:64:64}
# DER ECDSA-Sig-Value from r||s: INTEGERs with a 00 pad when the high bit is set.
int() { local v=$1; v=$(echo "$v" | sed 's/^\(00\)*//'); [ -z "$v" ] && v=00
	case ${v:0:1} in [89a-f]) v=00$v ;; esac
	printf '02%02x%s' $((${#v} / 2)) "$v"; }
ri=$(int "$r")
si=$(int "$s")
seq="$ri$si"
printf '30%02x%s' $((${#seq} / 2)) "$seq" | xxd -r -p >"$dir/sig.der"
openssl x509 -in "$p/ci.crt" -noout -pubkey >"$dir/ci.pub"
out=$(openssl dgst -sha256 -verify "$dir/ci.pub" -signature "$dir/sig.der" "$dir/body" 2>&1) &&
	ok "CERT.SR.ECDSA signed by the CI" || fail "gpcert signature: $out"
echo "$hex" | grep -q "c80102" && ok "SM-SR certificate type C8 02" || fail "no C8 02"

"$bin" pki init "$p" >/dev/null 2>"$dir/err"
rc=$?
[ $rc = 1 ] && grep -q "exists" "$dir/err" && ok "no overwrite without --force" ||
	fail "second init: exit $rc: $(cat "$dir/err")"
before=$(openssl x509 -in "$p/ci.crt" -noout -fingerprint)
"$bin" pki init --force "$p" >/dev/null || fail "--force exit $?"
after=$(openssl x509 -in "$p/ci.crt" -noout -fingerprint)
[ "$before" != "$after" ] && ok "--force makes a new PKI" || fail "--force kept the CI"

"$bin" pki init --curve brainpoolP256r1 "$dir/bp" >/dev/null || fail "brainpool exit $?"
openssl x509 -in "$dir/bp/ci.crt" -noout -text | grep -q brainpoolP256r1 &&
	ok "brainpoolP256r1 PKI" || fail "brainpool curve"
"$bin" pki init --curve FRP256V1 "$dir/x" >/dev/null 2>&1
[ $? = 2 ] && ok "FRP256V1 refused (usage)" || fail "FRP256V1 accepted"
"$bin" pki init --days 0 "$dir/x" >/dev/null 2>&1
[ $? = 2 ] && ok "--days 0 refused" || fail "--days 0 accepted"
"$bin" pki init /proc/nonexistent/dir >/dev/null 2>&1
[ $? = 3 ] && ok "unwritable directory: exit 3" || fail "unwritable directory"

[ $failures -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
