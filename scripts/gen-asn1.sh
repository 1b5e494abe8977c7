#!/usr/bin/env bash
# Regenerates the committed asn1c codec of the TCA eUICC Profile Package (SAIP) module into
# src/saip/asn1/. Run after changing the ASN.1 module; the output is committed so that a build
# needs no asn1c.
#   usage: scripts/gen-asn1.sh [PATH/TO/PE_Definitions.asn]
set -euo pipefail
cd "$(dirname "$0")/.."
asn=${1:-../shared/spec/asn1/PE_Definitions-3.3.1.asn}
[ -f "$asn" ] || { echo "gen-asn1: $asn not found" >&2; exit 3; }
command -v asn1c >/dev/null || ./scripts/install-deps.sh
out=src/saip/asn1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# EUICCResponse is a PDU too: the eUICC answers SCP03t segments with it.
src=$(realpath "$asn")
if ! (cd "$tmp" && asn1c -fcompound-names -pdu=ProfileElement -pdu=EUICCResponse "$src" \
	>asn1c.log 2>&1); then
	cat "$tmp/asn1c.log" >&2
	exit 1
fi
rm -f "$tmp/asn1c.log"
rm -f "$tmp/converter-sample.c" "$tmp/Makefile.am.sample"
rm -rf "$out"
mkdir -p "$out"
cp "$tmp"/*.c "$tmp"/*.h "$out"/
cp "$asn" "$out/$(basename "$asn")"
echo "gen-asn1: $(ls "$out"/*.c | wc -l) C files in $out from $(basename "$asn") ($(asn1c -v 2>&1 | head -1))"
