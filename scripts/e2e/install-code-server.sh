#!/usr/bin/env bash
# Installs code-server (VS Code built for the browser) for the end-to-end tests, once per machine.
#
# Idempotent: the install is cached outside the repository, keyed by version, and only counts once a
# marker file is written after a complete install, so an interrupted install is redone rather than used.
# Works offline except for the npm registry (and apt for the Debian prerequisites): the one download
# code-server's dependencies make at install time (ripgrep from GitHub) is pre-seeded from Debian's rg.
#
# Prints the code-server entry script (…/out/node/entry.js) as the last line of stdout.
# Environment: DCL_E2E_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/dcl-explorer).
set -euo pipefail

# 4.100.3 (VS Code 1.100) is the newest code-server whose engines.node accepts Node 20.
CODE_SERVER_VERSION=4.100.3
# @vscode/ripgrep as code-server 4.100.3 pins it, and the ripgrep build that version downloads.
VSCODE_RIPGREP_VERSION=1.15.11
RIPGREP_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz

fail() {
  echo "install-code-server: $*" >&2
  exit 1
}

cache_root="${DCL_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dcl-explorer}"
target="$cache_root/code-server-$CODE_SERVER_VERSION"
entry="$target/node_modules/code-server/out/node/entry.js"
marker="$target/.complete"

[[ "$(uname -s)-$(uname -m)" == "Linux-x86_64" ]] || fail "only Linux x86_64 is supported (the seeded ripgrep is x86_64), not $(uname -s)-$(uname -m)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[[ "$node_major" == "20" ]] || fail "code-server $CODE_SERVER_VERSION needs Node 20 (engines.node), this is Node $(node -v)"

# --- Debian prerequisites: compilers and headers for node-pty/kerberos/native-keymap, rg to seed ripgrep,
# Chromium to drive the workbench. Checked on every call (dpkg-query is cheap) so a cached code-server
# never hides a missing Chromium.
packages=(build-essential python3 pkg-config libkrb5-dev libxkbfile-dev libsecret-1-dev ripgrep chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  command -v apt-get >/dev/null || fail "missing Debian packages ${missing[*]} and no apt-get to install them"
  sudo=()
  if [[ "$(id -u)" != 0 ]]; then
    command -v sudo >/dev/null || fail "missing Debian packages ${missing[*]}: install them as root (apt-get install -y ${missing[*]})"
    sudo=(sudo)
  fi
  echo "install-code-server: apt-get install ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt_log="$(mktemp)"
  # Quiet unless it fails: then the end of apt's output says why.
  if ! { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$apt_log" 2>&1; then
    tail -n 30 "$apt_log" >&2
    rm -f "$apt_log"
    fail "apt-get install ${missing[*]} failed (output above)"
  fi
  rm -f "$apt_log"
fi
[[ -x /usr/bin/chromium ]] || fail "/usr/bin/chromium is missing after installing chromium"
# The cached install is complete and the prerequisites are there (checked above, cheaply): done.
if [[ -f "$marker" && -f "$entry" ]]; then
  echo "$entry"
  exit 0
fi
[[ -x /usr/bin/rg ]] || fail "/usr/bin/rg is missing after installing ripgrep"
# node-pty is compiled at install time. With the running Node's headers installed (NodeSource's nodejs
# package ships them in /usr/include/node) node-gyp uses them; otherwise it downloads them (needs internet).
nodedir=()
node_prefix="$(dirname "$(dirname "$(command -v node)")")"
if [[ -f "$node_prefix/include/node/node.h" ]]; then
  nodedir=(npm_config_nodedir="$node_prefix")
else
  echo "install-code-server: no Node headers in $node_prefix/include/node: node-gyp will download them" >&2
fi

# --- A private temporary folder: @vscode/ripgrep looks for its download in $TMPDIR/vscode-ripgrep-cache-<version>.
work="$(mktemp -d "${TMPDIR:-/tmp}/dcl-code-server-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export TMPDIR="$work/tmp"
mkdir -p "$TMPDIR/vscode-ripgrep-cache-$VSCODE_RIPGREP_VERSION" "$work/rg"
cp /usr/bin/rg "$work/rg/rg"
tar -czf "$TMPDIR/vscode-ripgrep-cache-$VSCODE_RIPGREP_VERSION/$RIPGREP_ASSET" -C "$work/rg" rg

# --- npm install into a staging folder, moved into place only when complete.
staging="$work/code-server"
mkdir -p "$staging"
echo '{"name":"dcl-explorer-e2e-code-server","private":true}' >"$staging/package.json"
echo "install-code-server: npm install code-server@$CODE_SERVER_VERSION (a few minutes the first time)" >&2
(
  cd "$staging"
  # node-pty's install runs `npx node-gyp`: npm_config_yes answers its install prompt.
  env npm_config_yes=true "${nodedir[@]}" \
    npm install "code-server@$CODE_SERVER_VERSION" --unsafe-perm --no-audit --no-fund --loglevel=error >&2
) || fail "npm install code-server@$CODE_SERVER_VERSION failed (see the npm output above)"
[[ -f "$staging/node_modules/code-server/out/node/entry.js" ]] || fail "npm install finished but $staging/node_modules/code-server/out/node/entry.js is missing"
rg_bin="$(find "$staging/node_modules" -path '*@vscode/ripgrep/bin/rg' -print -quit)"
[[ -n "$rg_bin" ]] || fail "code-server installed without ripgrep (@vscode/ripgrep/bin/rg): its postinstall did not find the seeded download"

mkdir -p "$cache_root"
rm -rf "$target"
mv "$staging" "$target"
date -u +%FT%TZ >"$marker"
echo "$entry"
