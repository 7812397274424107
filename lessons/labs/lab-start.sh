#!/bin/sh
# lab-start.sh N - make the student's working copy of lab N in labs-work/.
#
# The copy holds the runtime file the lab is about, with the functions the
# student writes replaced by a marked TODO (their contracts stay above
# them), and the lab's README. It never overwrites existing work.
set -eu
. lessons/labs/lib.sh
[ $# -eq 1 ] || { echo "usage: make lab-start LAB=N" >&2; exit 2; }
dir=$(lab_dir "$1")
. "$dir/lab.conf"
name=$(basename "$dir")
dest=labs-work/$name
file=$dest/$(basename "$FILE")
if [ -e "$file" ]; then
    echo "labs: $file already exists: your work is kept. To start over, move it away first." >&2
    exit 1
fi
mkdir -p "$dest"
with_functions "$FILE" "$dir/starter" "$file"
cp "$dir/README.md" "$dest/README.md"
echo "labs: your copy of lab $name is in $dest/"
echo "    edit  $file  (look for TODO(lab ...))"
echo "    read  $dest/README.md"
echo "    grade make grade LAB=$1"
