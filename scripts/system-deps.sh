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
echo "system-deps: installing ${missing[*]}" >&2
sudo=""
[[ "$(id -u)" -ne 0 ]] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
  $sudo apt-get update -q >/dev/null
  $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}
