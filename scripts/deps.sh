#!/bin/sh
# deps.sh PKG... - make sure these Debian packages are installed.
# Installs the missing ones when it can (root, or sudo without a password);
# otherwise prints the exact apt-get line and fails.
missing=""
for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "wta: installing missing Debian packages:$missing"
if [ "$(id -u)" = 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo"
else
    echo "wta: cannot install them (not root, no sudo). Run:" >&2
    echo "    sudo apt-get install -y$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null || { echo "wta: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
$SUDO apt-get install -y -q $missing >/dev/null || {
    echo "wta: apt-get install failed. Try by hand:" >&2
    echo "    sudo apt-get install -y$missing" >&2
    exit 1
}
echo "wta: installed:$missing"
