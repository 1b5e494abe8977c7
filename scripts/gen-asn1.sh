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
# The runtime's allocation macros call the tree arena (src/saip/asn1_alloc/asn1_alloc.h,
# docs/saip.md "Allocation"): outside an arena scope they are libc's functions.
sed -i \
	-e 's|^#define\tCALLOC(nmemb, size)\tcalloc(nmemb, size)$|#include <asn1_alloc.h>\t/* m2mrsp: tree arena (scripts/gen-asn1.sh) */\n#define\tCALLOC(nmemb, size)\tm2m_asn1_calloc(nmemb, size)|' \
	-e 's|^\(#define\tMALLOC(size)\t\t\)malloc(size)$|\1m2m_asn1_malloc(size)|' \
	-e 's|^\(#define\tREALLOC(oldptr, size)\t\)realloc(oldptr, size)$|\1m2m_asn1_realloc(oldptr, size)|' \
	-e 's|^\(#define\tFREEMEM(ptr)\t\t\)free(ptr)$|\1m2m_asn1_free(ptr)|' \
	"$out/asn_internal.h"
if [ "$(grep -c 'm2m_asn1_\(calloc\|malloc\|realloc\|free\)(' "$out/asn_internal.h")" != 4 ]; then
	echo "gen-asn1: asn_internal.h: allocation macros not found, arena not hooked" >&2
	exit 1
fi
echo "gen-asn1: $(ls "$out"/*.c | wc -l) C files in $out from $(basename "$asn") ($(asn1c -v 2>&1 | head -1))"
