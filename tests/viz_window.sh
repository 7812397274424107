#!/bin/sh
# viz_window.sh BUILD - wta-viz in a real X window (Xvfb): open the sample
# trace, take a screenshot with the viewer's own `s` key, press keys that
# move the playhead, take another; both must be drawn (many colours) and
# must differ. Waits are for files to appear (a condition, capped at 60 s),
# never a fixed sleep standing in for "the viewer has caught up".
set -u
BUILD=$1
VIZ=$(pwd)/$BUILD/viz/wta-viz
TRACE=$(pwd)/traces/sample.jsonl
if ! command -v xvfb-run >/dev/null || ! command -v xdotool >/dev/null; then
    echo "viz_window: SKIPPED: xvfb-run and xdotool are needed (apt-get install xvfb xdotool)"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

cat > session.sh <<EOS
#!/bin/sh
# Inside Xvfb: drive the viewer, then quit it.
shots() { ls wta-viz-*.png 2>/dev/null | wc -l; }   # each appears whole (renamed)
wait_for_shots() {  # wait_for_shots N: until N screenshots exist, at most 2 s
    n=0
    while [ \$(shots) -lt \$1 ] && [ \$n -lt 20 ]; do sleep 0.1; n=\$((n + 1)); done
    [ \$(shots) -ge \$1 ]
}
"$VIZ" "$TRACE" >viz.out 2>&1 &
pid=\$!
wid=\$(xdotool search --sync --onlyvisible --name 'wta-viz')
xdotool windowfocus --sync \$wid
# SDL may not take keys for a moment after its window maps: press s until
# the first screenshot appears (at most 30 tries).
tries=0
until [ \$(shots) -ge 1 ] || [ \$tries -ge 30 ]; do
    xdotool key s
    wait_for_shots 1
    tries=\$((tries + 1))
done
[ \$(shots) -ge 1 ] || { echo "no first screenshot"; kill \$pid; exit 1; }
first=\$(ls wta-viz-*.png | sort -V | tail -n 1)
have=\$(shots)
xdotool key --delay 30 Right Right Right n question s
tries=0
until wait_for_shots \$((have + 1)) || [ \$tries -ge 30 ]; do tries=\$((tries + 1)); done
[ \$(shots) -gt \$have ] || { echo "no second screenshot"; kill \$pid; exit 1; }
cp "\$first" before.png
cp "\$(ls wta-viz-*.png | sort -V | tail -n 1)" after.png
xdotool key q
wait \$pid
EOS
if ! xvfb-run -a -s "-screen 0 1400x900x24" sh session.sh > session.out 2>&1; then
    echo "viz_window: FAIL: the session did not finish cleanly:"; cat session.out viz.out 2>/dev/null
    exit 1
fi
colours() { convert "$1" -format %k info:; }
a=$(colours before.png) b=$(colours after.png)
if [ "${a:-0}" -lt 20 ] || [ "${b:-0}" -lt 20 ]; then
    echo "viz_window: FAIL: a screenshot is blank ($a and $b colours)"; exit 1
fi
if cmp -s before.png after.png; then
    echo "viz_window: FAIL: the keys changed nothing on screen"; exit 1
fi
size=$(identify -format %wx%h before.png)
echo "viz_window: ok: real window $size, $a then $b colours, the frame changed after the keys"
