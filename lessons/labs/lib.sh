# lib.sh - what lab-start.sh, grade.sh and check.sh share (sourced, not run).

# lab_dir N: the lab's folder (lessons/labs/NN-slug), or exit 2 with the list.
lab_dir() {
    n=$(printf '%02d' "$1" 2>/dev/null) || n=$1
    d=$(ls -d lessons/labs/"$n"-*/ 2>/dev/null | head -n 1)
    if [ -z "$d" ] || [ ! -f "$d/lab.conf" ]; then
        echo "labs: no lab '$1'. The labs are:" >&2
        for c in lessons/labs/[0-9][0-9]-*/lab.conf; do echo "    $(basename "$(dirname "$c")")" >&2; done
        exit 2
    fi
    echo "${d%/}"
}

# with_functions SRC DIR OUT: SRC with each function in $FUNCS replaced by
# the whole definition in DIR/<function>.c (functions DIR has no file for
# stay as they are). A definition starts at column 0 and ends at the first
# line that is a lone "}". Fails naming a function it cannot find.
with_functions() {
    _src=$1 _rep=$2 _out=$3
    cp "$_src" "$_out.tmp"
    for fn in $FUNCS; do
        [ -f "$_rep/$fn.c" ] || continue
        awk -v fn="$fn" -v rep="$_rep/$fn.c" '
            !done && !inside && $0 ~ ("^[A-Za-z_].*[ *]" fn "\\(") && $0 !~ /;[ \t]*$/ {
                inside = 1
                while ((getline line < rep) > 0) print line
                next
            }
            inside { if ($0 == "}") { inside = 0; done = 1 } next }
            { print }
            END { if (!done) exit 3 }' "$_out.tmp" >"$_out.new" || {
            echo "labs: cannot find the definition of $fn() in $_src" >&2
            rm -f "$_out.tmp" "$_out.new"
            return 1
        }
        mv "$_out.new" "$_out.tmp"
    done
    mv "$_out.tmp" "$_out"
}
