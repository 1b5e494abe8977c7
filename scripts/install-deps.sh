#!/usr/bin/env bash
# Installs the Debian 12 packages m2mrsp needs, only when some are missing.
# Idempotent; works as root, or through sudo otherwise.
set -euo pipefail

BUILD_PKGS=(build-essential cmake ninja-build pkg-config
  libssl-dev libevent-dev libcurl4-openssl-dev libxml2-dev libjansson-dev
  libsqlite3-dev libpq-dev libsmpp34-dev libpcsclite-dev libcmocka-dev)
TEST_PKGS=(clang libclang-rt-14-dev postgresql pcscd vsmartcard-vpcd pcsc-tools
  opensc asn1c openssl xxd libxml2-utils)

missing=()
for p in "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 3; }
  SUDO=sudo
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# postgresql's postinst must not start a cluster service here; policy-rc.d keeps daemons down.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
