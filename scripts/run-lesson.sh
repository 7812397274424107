#!/bin/sh
# run-lesson.sh BUILD [NN] - the guided tour behind `make run [LESSON=NN]`.
#
# Runs lesson NN (default 01) and opens the viewer on its trace in lesson
# mode (it pauses at every note). Without a display, or without the viewer,
# it renders the note moments to a contact sheet PNG when it can, prints a
# text walk-through of the notes, and says how to open the viewer. Exit 0
# unless the lesson could not run.
set -u
BUILD=$1
want=${2:-01}
case $want in [0-9]) want=0$want ;; esac
dir=$(ls -d lessons/"$want"*/ 2>/dev/null | head -n 1)
if [ -z "$dir" ]; then
    echo "make run: no lesson '$want' (LESSON= takes a number such as 07; the lessons are:" \
         $(cd lessons && ls -d [0-9][0-9]-*/ | tr -d /)")" >&2
    exit 2
fi
name=$(basename "$dir")
trace=$BUILD/lessons/$name.jsonl
"$BUILD/lessons/$name" --trace "$trace" || exit 1
alt=$(sed -n 's/^ *\.alt = "\([a-z]*\)".*/\1/p' "$dir/lesson.c")
if [ -n "$alt" ]; then
    echo
    "$BUILD/lessons/$name" "--$alt" --trace "$BUILD/lessons/$name.$alt.jsonl" || exit 1
fi

VIZ=$BUILD/viz/wta-viz
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -x "$VIZ" ]; then
    echo "opening the viewer in lesson mode: it pauses at each note (n: next note, ?: keys)"
    exec "$VIZ" --lesson "$trace"
fi

echo
echo "Read along: ${dir}README.md"
if [ -x "$VIZ" ]; then
    png=$BUILD/lessons/$name.png
    if "$VIZ" "$trace" --sheet "$png" >/dev/null; then
        echo "contact sheet of the lesson's moments: $png"
    else
        echo "(could not render the contact sheet; the walk-through follows)"
    fi
fi
echo
echo "The lesson's notes in order (event number, then the note). A note that starts"
echo "with '?' is a question: answer it before you read the next line."
"$BUILD/viz/wta-trace" cat "$trace" |
    sed -n 's/^ *\([0-9]*\) .* note text="\(.*\)"$/  [\1] \2/p' | sed 's/\\"/"/g'
if [ -n "$alt" ]; then
    echo
    echo "The --$alt run's notes:"
    "$BUILD/viz/wta-trace" cat "$BUILD/lessons/$name.$alt.jsonl" |
        sed -n 's/^ *\([0-9]*\) .* note text="\(.*\)"$/  [\1] \2/p' | sed 's/\\"/"/g'
fi
echo
echo "Step through it yourself:"
echo "  $BUILD/viz/wta-trace cat $trace          (every event, one a line)"
echo "  $VIZ --lesson $trace   (on a machine with a display: pauses at each note)"
exit 0
