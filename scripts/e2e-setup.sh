#!/usr/bin/env bash
# Installs what the end-to-end tests need: Debian's Chromium and code-server (VS Code in a
# browser) from npm, without the binary downloads its install scripts would make.
# Progress goes to stderr; the last line on stdout is the path of code-server's entry.js.
set -euo pipefail

VERSION=4.96.4 # the last code-server line that asks for Node 20
CACHE="${LEAKSCOPE_E2E_CACHE:-$HOME/.cache/leakscope-e2e}"
ROOT="$CACHE/node_modules/code-server"
VSCODE="$ROOT/lib/vscode"
ENTRY="$ROOT/out/node/entry.js"
STAMP="$CACHE/.installed-$VERSION"

if [[ -f $STAMP && -f $ENTRY && -x /usr/bin/chromium ]]; then
  echo "$ENTRY"
  exit 0
fi
exec 3>&1 1>&2 # only the path goes to stdout

SUDO=
[[ $EUID -eq 0 ]] || SUDO=sudo
# ripgrep replaces the binary @vscode/ripgrep would download; the -dev packages and the
# toolchain are for rebuilding code-server's native modules.
packages=(chromium ripgrep build-essential python3 pkg-config libkrb5-dev libsecret-1-dev libxkbfile-dev libx11-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  # Stale or absent package lists are the usual reason an install fails; refresh them only then.
  apt_install() { $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; }
  apt_install || { $SUDO apt-get update && apt_install; }
fi

mkdir -p "$CACHE"
cd "$CACHE"
[[ -f package.json ]] || echo '{ "private": true }' >package.json
npm install --no-save --ignore-scripts "code-server@$VERSION"

cd "$VSCODE"
# The shrinkwrap takes @vscode/proxy-agent from a git URL; the registry has the same version.
tarball="$(npm view @vscode/proxy-agent@0.27.0 dist.tarball)"
TARBALL="$tarball" node -e '
  const fs = require("node:fs");
  const file = "npm-shrinkwrap.json";
  const shrinkwrap = JSON.parse(fs.readFileSync(file, "utf8"));
  const entry = shrinkwrap.packages["node_modules/@vscode/proxy-agent"];
  entry.resolved = process.env.TARBALL;
  delete entry.integrity;
  fs.writeFileSync(file, JSON.stringify(shrinkwrap, null, 2) + "\n");
'
npm install --omit=dev --ignore-scripts

# @vscode/ripgrep's postinstall downloads rg; use Debian's and drop the postinstall.
mkdir -p node_modules/@vscode/ripgrep/bin
cp /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg
npm pkg delete scripts.postinstall --prefix node_modules/@vscode/ripgrep
npm rebuild

# The server loads its modules from node_modules.asar, as packaged VS Code does.
ln -sfn node_modules node_modules.asar
(cd extensions && npm install --omit=dev)

cd "$CACHE"
npm rebuild argon2 # skipped by --ignore-scripts above

touch "$STAMP"
echo "$ENTRY" >&3
