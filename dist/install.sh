#!/bin/sh
# install.sh - put wta's files under a prefix, and take exactly them away again.
#
#   install.sh install   DESTDIR PREFIX ENTRY...
#   install.sh uninstall DESTDIR PREFIX
#
# Each ENTRY is MODE:SOURCE:DEST, DEST relative to PREFIX:
#   644:build/release/libwta.a:lib/libwta.a       copy with that mode
#   link:libwta.so.0:lib/libwta.so                symbolic link DEST -> SOURCE
#
# Installing writes a manifest, PREFIX/share/wta/manifest: one line per file
# or link it put there ("f lib/libwta.a") and one per directory it had to
# create ("d share/doc/wta"), in that order. Uninstalling removes each file
# listed, then each listed directory that is empty, deepest first, so it
# removes what the install added and nothing a user or another package put
# there. Installing again over an install keeps the old lines: the manifest
# always covers everything not yet uninstalled.
#
# DESTDIR (may be empty) is prepended to every path for staged installs
# (packaging, tests); the manifest itself never contains it.
set -eu

usage() {
    echo "usage: install.sh install DESTDIR PREFIX MODE:SRC:DEST... | uninstall DESTDIR PREFIX" >&2
    exit 2
}

[ $# -ge 3 ] || usage
cmd=$1 root=$2$3
shift 3
[ -n "$root" ] || { echo "install.sh: PREFIX is empty" >&2; exit 2; }
manifest=share/wta/manifest

# Creates directory $1 (relative to root) and its missing parents, adding a
# "d" line to $new for each one this call creates, parents first.
make_dir() {
    [ -d "$root/$1" ] && return 0
    parent=$(dirname "$1")
    [ "$parent" = . ] || make_dir "$parent"
    mkdir "$root/$1"
    echo "d $1" >>"$new"
}

do_install() {
    mkdir -p "$root"
    new=$(mktemp)
    trap 'rm -f "$new"' EXIT
    make_dir "$(dirname "$manifest")"
    for entry in "$@"; do
        mode=${entry%%:*}
        rest=${entry#*:}
        src=${rest%%:*}
        dest=${rest#*:}
        [ -n "$mode" ] && [ -n "$src" ] && [ -n "$dest" ] && [ "$dest" != "$rest" ] || {
            echo "install.sh: bad entry '$entry': expected MODE:SOURCE:DEST" >&2
            exit 2
        }
        make_dir "$(dirname "$dest")"
        case $mode in
        link) ln -sfn "$src" "$root/$dest" ;;
        [0-7][0-7][0-7])
            [ -f "$src" ] || { echo "install.sh: '$src' does not exist (entry '$entry')" >&2; exit 1; }
            install -m "$mode" "$src" "$root/$dest" ;;
        *) echo "install.sh: bad mode '$mode' in '$entry': expected 644, 755, ... or link" >&2
           exit 2 ;;
        esac
        echo "f $dest" >>"$new"
    done
    # Old lines first (their directories were made before ours), then new ones, once each.
    if [ -f "$root/$manifest" ]; then
        cat "$root/$manifest" "$new" | awk '!seen[$0]++' >"$new.all"
    else
        cp "$new" "$new.all"
    fi
    mv "$new.all" "$root/$manifest"
    chmod 644 "$root/$manifest"
    echo "installed $# files under $root (list: $root/$manifest)"
}

do_uninstall() {
    list=$root/$manifest
    if [ ! -f "$list" ]; then
        echo "uninstall: $list not found: nothing was installed under $root" >&2
        exit 1
    fi
    n=0
    while read -r kind path; do
        if [ "$kind" = f ] && { [ -e "$root/$path" ] || [ -L "$root/$path" ]; }; then
            rm -f "$root/$path"
            n=$((n + 1))
        fi
    done <"$list"
    dirs=$(awk '$1 == "d" { print $2 }' "$list")
    rm -f "$list"
    # Deepest first (made last); a directory someone else put files in stays.
    printf '%s\n' "$dirs" | awk 'NF { line[n++] = $0 } END { while (n--) print line[n] }' |
    while read -r dir; do
        rmdir "$root/$dir" 2>/dev/null || echo "uninstall: kept $root/$dir (not empty)"
    done
    echo "removed $n files from $root"
}

case $cmd in
install) do_install "$@" ;;
uninstall) [ $# -eq 0 ] || usage; do_uninstall ;;
*) usage ;;
esac
