# Sourced by evm_diff.sh and evm_diff_precompiles.sh (both share this folder's pinned npm
# packages):  . "$(dirname "$0")/evm_diff/npm.sh" NAME "$@" MODULE...
# Sets FOLIO (absolute) and DIR (this folder). Without node or npm the test skips (exit 0);
# `npm ci` runs when a MODULE is missing or node_modules is older than the lock file, under
# a lock both scripts take; a failing `npm ci` is a failure.
set -u
EVM_DIFF_NAME="$1"
shift
if [ $# -lt 1 ] || [ ! -x "$1" ]; then
  echo "usage: $EVM_DIFF_NAME.sh /path/to/folio" >&2
  exit 2
fi
FOLIO="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
shift
DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
evm_diff_skip() {
  echo "$EVM_DIFF_NAME: SKIP: $*"
  echo "0 passed, 0 failed, 1 skipped"
  exit 0
}
command -v node >/dev/null 2>&1 || evm_diff_skip "node is not installed"
command -v npm >/dev/null 2>&1 || evm_diff_skip "npm is not installed"
exec 9>"$DIR/.npm-ci.lock"
flock 9
evm_diff_install=0
for m in "$@"; do
  [ -d "$DIR/node_modules/$m" ] || evm_diff_install=1
done
[ "$DIR/package-lock.json" -nt "$DIR/node_modules/.package-lock.json" ] && evm_diff_install=1
if [ "$evm_diff_install" = 1 ]; then
  if ! (cd "$DIR" && timeout 600 npm ci --no-audit --no-fund >"$DIR/.npm-ci.log" 2>&1); then
    tail -n 5 "$DIR/.npm-ci.log" | sed 's/^/  npm: /'
    echo "$EVM_DIFF_NAME: npm ci failed (see $DIR/.npm-ci.log)"
    echo "0 passed, 1 failed"
    exit 1
  fi
fi
flock -u 9
