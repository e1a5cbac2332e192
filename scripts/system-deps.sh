#!/usr/bin/env bash
# Installs the Debian packages the tests need (scripts/debian-packages.txt) when their command is missing.
# Runs before `npm test` (the `pretest` script), so a fresh machine needs nothing done by hand.
set -euo pipefail
cd "$(dirname "$0")"
missing=()
while read -r package command; do
  [[ -z "$package" || "$package" == \#* ]] && continue
  command -v "$command" >/dev/null 2>&1 || missing+=("$package")
done < debian-packages.txt
[[ ${#missing[@]} -eq 0 ]] && exit 0
sudo=""
[[ "$(id -u)" -ne 0 ]] && sudo="sudo"
# Without apt (not Debian) or a way to root, nothing can be installed: the test files that need these commands are
# left out, each named, and the rest runs (tests/support/system-tools.ts). On Debian, CI included, they are installed.
if ! command -v apt-get >/dev/null 2>&1 || { [[ -n "$sudo" ]] && ! command -v sudo >/dev/null 2>&1; }; then
  echo "system-deps: cannot install ${missing[*]} here (no apt-get or no root); the tests needing them are skipped" >&2
  exit 0
fi
echo "system-deps: installing ${missing[*]} (waits for the package manager's lock if another install holds it)" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
  $sudo apt-get update -q >/dev/null
  $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}
