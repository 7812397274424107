#!/bin/sh
# test_install.sh - install wta and use it like any C library, as a user would.
#
# Run by `make test` from the top of the tree. Into a temporary DESTDIR it:
#   - checks that installing builds no tests (no CUnit needed) and that
#     `make help` lists every .PHONY target;
#   - installs, and checks the optimised (no -g) libraries, the soname, the
#     headers' extern "C", the man pages and docs;
#   - builds tests/install/hello.c and hello.cpp with pkg-config, shared and
#     static, and model.cpp against wta-viz, and runs them;
#   - runs hello with each environment knob, and with a bad value of each;
#   - builds and runs every example with the commands its opening comment
#     shows (the lines starting with "$ "), from the installed copy;
#   - installs twice and uninstalls, and checks that only a file that was
#     there before is left.
# Prints one line per check; stops at the first failure with what it saw.
set -eu

MAKE=${MAKE:-make}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/wta-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dest=$tmp/dest
prefix=/opt/wta                      # not /usr/local: nothing may depend on the default
root=$dest$prefix
top=$(pwd)

fail() { echo "test_install: FAIL: $*" >&2; exit 1; }
ok() { echo "  ok  $*"; }
# has FILE TEXT: FILE contains TEXT (a fixed string), else fail showing FILE.
has() {
    grep -qF -- "$2" "$1" || { echo "--- $1:" >&2; cat "$1" >&2; fail "expected '$2' in $1"; }
}

echo "test_install: installing into DESTDIR=$dest PREFIX=$prefix"

# ---- before installing: no CUnit on the way, and `make help` is complete
$MAKE -n -B RELEASE=1 SAN= install-release DESTDIR="$dest" PREFIX="$prefix" >"$tmp/dry" 2>&1 ||
    fail "make -n install-release failed: $(tail -3 "$tmp/dry")"
if grep -E 'cunit|run_tests|tests/' "$tmp/dry" >/dev/null; then
    fail "make install would build tests: $(grep -E 'cunit|run_tests|tests/' "$tmp/dry" | head -2)"
fi
ok "make install builds no tests (no CUnit needed)"

$MAKE --no-print-directory help >"$tmp/help"
phony=$($MAKE -rpn help 2>/dev/null | sed -n 's/^\.PHONY: //p' | tr ' ' '\n' | sort -u)
for t in $phony; do
    grep -qw -- "$t" "$tmp/help" || fail "make help does not list the target '$t'"
done
ok "make help lists every .PHONY target ($(echo $phony | wc -w))"

# ---- install (over a file that is not ours, which uninstall must leave)
mkdir -p "$root/lib"
echo "not wta's" >"$root/lib/keep-me.txt"
$MAKE --no-print-directory install DESTDIR="$dest" PREFIX="$prefix" >"$tmp/install.log" 2>&1 ||
    { tail -20 "$tmp/install.log" >&2; fail "make install"; }
for f in lib/libwta.a lib/libwta.so lib/libwta.so.0 lib/libwtaviz.a lib/libwtaviz.so \
         lib/pkgconfig/wta.pc lib/pkgconfig/wta-viz.pc include/wta.h include/wta_model.h \
         include/wta_events.h bin/wta-trace share/man/man1/wta-trace.1 share/man/man3/wta.3 \
         share/doc/wta/README.md share/doc/wta/viz/README.md share/doc/wta/traces/SCHEMA.md; do
    [ -e "$root/$f" ] || fail "make install did not install $f"
done
readelf -d "$root/lib/libwta.so" | grep -q 'SONAME.*\[libwta\.so\.0\]' ||
    fail "libwta.so has no soname libwta.so.0: $(readelf -d "$root/lib/libwta.so" | grep SONAME)"
if readelf -S "$root/lib/libwta.a" | grep -q debug_info; then
    fail "the installed libwta.a is a debug build (has .debug_info)"
fi
has "$root/include/wta.h" 'extern "C"'
has "$root/include/wta_model.h" 'extern "C"'
has "$root/share/man/man1/wta-trace.1" "$prefix/share/doc/wta/viz/README.md"
"$root/bin/wta-trace" --help >"$tmp/trace-help"
has "$tmp/trace-help" "$prefix/share/doc/wta/viz/README.md"
if [ -f viz/wta_viz_main.c ]; then   # the viewer is part of the tree: it is installed too
    for f in bin/wta-viz share/man/man1/wta-viz.1 share/wta/sample.jsonl; do
        [ -e "$root/$f" ] || fail "make install did not install $f"
    done
    "$root/bin/wta-viz" --version >/dev/null || fail "the installed wta-viz --version failed"
fi
ok "installed: libraries (soname libwta.so.0, optimised), headers, tools, man pages, docs"

# ---- build against it with pkg-config, as the README shows
export PKG_CONFIG_PATH="$root/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$dest"
version=$(sed -n 's/^#define WTA_VERSION "\(.*\)"/\1/p' runtime/wta.h)
[ "$(pkg-config --modversion wta)" = "$version" ] || fail "pkg-config --modversion wta"
mkdir "$tmp/b"
cp tests/install/hello.c tests/install/hello.cpp tests/install/model.cpp "$tmp/b/"
cd "$tmp/b"
cc -Wall -Wextra -Werror -o hello hello.c $(pkg-config --cflags --libs wta)
cc -static -o hello-static hello.c $(pkg-config --static --cflags --libs wta)
c++ -Wall -Wextra -Werror -pedantic -o hello-cpp hello.cpp $(pkg-config --cflags --libs wta)
c++ -static -o hello-cpp-static hello.cpp $(pkg-config --static --cflags --libs wta)
c++ -Wall -Wextra -Werror -o model model.cpp $(pkg-config --cflags --libs wta-viz)
readelf -d hello | grep -q 'NEEDED.*\[libwta\.so\.0\]' || fail "hello does not link libwta.so.0"
if readelf -d hello-static | grep -q 'libwta'; then fail "hello-static links libwta.so"; fi

LD_LIBRARY_PATH="$root/lib" ./hello >out 2>&1 || { cat out >&2; fail "./hello"; }
has out "hello from C: wta $version"
has out "block_on: success, output 42"
./hello-static >out 2>&1 || { cat out >&2; fail "./hello-static"; }
has out "output 42"
LD_LIBRARY_PATH="$root/lib" ./hello-cpp >out 2>&1 || { cat out >&2; fail "./hello-cpp"; }
has out "hello from C++: block_on: success, output 7"
./hello-cpp-static >out 2>&1 || { cat out >&2; fail "./hello-cpp-static"; }
has out "output 7"
ok "C and C++ programs built with pkg-config, shared and static, run"

# ---- the environment knobs, on the installed library
export LD_LIBRARY_PATH="$root/lib"
WTA_WORKERS=3 ./hello >out 2>&1
has out ", 3 workers,"
WTA_TRACE=t.jsonl ./hello >out 2>&1
head -1 t.jsonl | grep -q '"format":"wta-trace"' || fail "WTA_TRACE: no trace header in t.jsonl"
WTA_SCHEDULER=global WTA_TRACE=t.jsonl ./hello >out 2>&1
head -1 t.jsonl >header
has header '"scheduler":"global"'
WTA_BUGS=W2,W5 WTA_WORKERS=2 WTA_TRACE=t.jsonl ./hello >out 2>&1
head -1 t.jsonl >header
has header '"bugs":["W2","W5"]'
has header '"workers":2'
./model t.jsonl >out 2>&1 || { cat out >&2; fail "./model t.jsonl"; }
has out "model from C++:"
# A bad value: exit status 1, and first one line naming the variable and what it accepts.
bad() {   # bad VAR VALUE ACCEPTS
    if env "$1=$2" ./hello >out 2>err; then fail "$1=$2 was accepted"; fi
    want="wta: $1='$2' is not valid: expected $3"
    [ "$(head -1 err)" = "$want" ] || fail "$1=$2 said '$(head -1 err)', expected '$want'"
}
bad WTA_WORKERS lots "a number of worker threads from 1 to 256"
bad WTA_WORKERS 0 "a number of worker threads from 1 to 256"
bad WTA_SCHEDULER fifo "'local' or 'global'"
bad WTA_BUGS W9 "bug ids W1..W5 separated by commas (e.g. W2,W5), or 'none'"
ok "WTA_WORKERS, WTA_SCHEDULER, WTA_BUGS, WTA_TRACE, and a bad value of each"

# ---- the examples, with the commands their opening comments show
export PATH="$root/bin:$PATH"
for ex in echo pipeline lost_wakeup; do
    src=$root/share/doc/wta/examples/$ex.c
    [ -f "$src" ] || fail "examples/$ex.c is not installed"
    mkdir "$tmp/$ex" && cp "$src" "$tmp/$ex/" && cd "$tmp/$ex"
    sed -n 's/^ \*     \$ //p' "$ex.c" >commands
    [ "$(wc -l <commands)" -ge 2 ] || fail "examples/$ex.c shows no build and run lines"
    i=0
    while read -r cmd; do
        i=$((i + 1))
        set +e
        sh -c "$cmd" >"out$i" 2>&1 </dev/null
        echo $? >"status$i"
        set -e
    done <commands
    case $ex in
    echo)
        [ "$(cat status1)$(cat status2)" = 00 ] || { cat out*; fail "echo: $(cat commands)"; }
        has out2 'client: sent "wta", got back "wta"'
        has out2 "server: connection quiet for 200 ms, closing it"
        has out2 "echo: done" ;;
    pipeline)
        [ "$(cat status1)$(cat status2)" = 00 ] || { cat out*; fail "pipeline: $(cat commands)"; }
        has out2 "main: 8 counts, 36901 primes in all" ;;
    lost_wakeup)
        # It terminates: block_on sees the hang (-EDEADLK), and the lint names it.
        [ "$(cat status1)$(cat status2)$(cat status3)" = 011 ] ||
            { cat out*; fail "lost_wakeup: statuses $(cat status*), expected 0 1 1"; }
        has out2 "block_on returned -EDEADLK"
        has out3 "'waiter'"
        has out3 "[lost-wakeup]"
        ./lost_wakeup --fixed >out4 2>&1 || { cat out4 >&2; fail "lost_wakeup --fixed"; }
        has out4 "all done" ;;
    esac
    ok "examples/$ex.c: $(tr '\n' ';' <commands | sed 's/;$//; s/;/; /g')"
done

# ---- install again over it, then uninstall: only keep-me.txt is left
cd "$top"
$MAKE --no-print-directory install DESTDIR="$dest" PREFIX="$prefix" >"$tmp/install.log" 2>&1 ||
    { tail -20 "$tmp/install.log" >&2; fail "make install (again)"; }
$MAKE --no-print-directory uninstall DESTDIR="$dest" PREFIX="$prefix" >"$tmp/uninstall.log" 2>&1 ||
    { cat "$tmp/uninstall.log" >&2; fail "make uninstall"; }
left=$(cd "$root" && find . -mindepth 1 | sort | tr '\n' ' ')
[ "$left" = "./lib ./lib/keep-me.txt " ] || fail "after uninstall, left under $root: $left"
ok "make uninstall removed exactly what was installed (twice over)"
echo "test_install: all passed"
