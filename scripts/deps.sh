#!/usr/bin/env bash
# Installs the Debian packages folio needs, or prints the exact line to do so.
set -euo pipefail
pkgs=(build-essential cmake pkg-config clang libsecp256k1-dev librocksdb-dev libnng-dev
      libmsgpack-dev python3-msgpack check libjansson-dev libssl-dev nettle-dev spin coinor-cbc
      libgmp-dev libmbedtls-dev libzstd-dev
      chromium fonts-wqy-microhei # the explorer's browser test (tests/e2e/explorer.sh), CJK glyphs
      )
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
line="apt-get update && apt-get install -y ${missing[*]}"
if [ "$(id -u)" = 0 ]; then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "deps: missing packages; run as root:" >&2
  echo "  $line" >&2
  exit 1
fi
