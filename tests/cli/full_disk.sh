#!/usr/bin/env bash
# A disk that fills up mid-run (simulated with a file-size limit): the run stops with exit 3 and
# a message that names the file and the fix; every finished job is kept, and --resume gives the
# same numbers as a run that never failed.
set -u
bin=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
args=(--task gates:gate=xor --rule backprop:lr=0.5 --net 2-4-1 --replicates 50 --steps 2000
      --no-plot -q)
(ulimit -f 40; "$bin" compare "${args[@]}" -o run >/dev/null 2>err.txt)
rc=$?
fail() { echo "FAIL: $*"; cat err.txt; exit 1; }
[ "$rc" = 3 ] || fail "exit $rc, want 3"
grep -q "run/journal.tsv: cannot write (File too large)" err.txt || fail "no journal message"
grep -q -- "--resume" err.txt || fail "the message does not say how to finish"
[ -s run/summary.tsv ] || fail "no summary of the finished jobs"
"$bin" compare "${args[@]}" -o run --resume >/dev/null 2>err.txt || fail "resume failed"
"$bin" compare "${args[@]}" -o whole >/dev/null 2>err.txt || fail "reference run failed"
diff <(cut -f1-14 run/summary.tsv) <(cut -f1-14 whole/summary.tsv) >/dev/null \
    || fail "resumed summary differs from an uninterrupted run"
cmp -s run/curves.tsv whole/curves.tsv || fail "resumed curves differ"
echo "1 passed, 0 failed"
