#!/usr/bin/env bash
# bench/same_numbers.sh OLD_RULESET NEW_RULESET [OUT_DIR]: do two builds give the same numbers?
#
# Runs every shipped spec (rules/*.json but the weights files) with both binaries at reduced
# size (--steps 200 --replicates 5, one thread, no figures) and compares, spec by spec,
# summary.tsv and curves.tsv (without the us_per_step timing column) and nets.jsonl byte for
# byte. For refactors and speed work, which must not change a number. A binary outside its
# build tree needs RULESET_PLUGIN_PATH pointing at its plugins. Exit 0 when every spec agrees.
set -u
old=${1:?usage: same_numbers.sh OLD_RULESET NEW_RULESET [OUT_DIR]}
new=${2:?usage: same_numbers.sh OLD_RULESET NEW_RULESET [OUT_DIR]}
out=${3:-$(mktemp -d)}
case $old in /*) ;; *) old=$PWD/$old ;; esac
case $new in /*) ;; *) new=$PWD/$new ;; esac
case $out in /*) ;; *) out=$PWD/$out ;; esac
mkdir -p "$out"
cd "$(dirname "$0")/.."
# a TSV without its us_per_step column (found by name)
untimed() { awk -F'\t' -v OFS='\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "us_per_step") drop = i }
                                    { if (drop) { $drop = ""; } print }' "$1"; }
bad=0 n=0
for spec in rules/*.json; do
    case $spec in *.weights.json) continue ;; esac
    name=$(basename "$spec" .json)
    for side in old new; do
        bin=$old; [ $side = new ] && bin=$new
        rm -rf "$out/$side/$name"
        "$bin" compare "$spec" --steps 200 --replicates 5 --threads 1 --no-plot --quiet \
            -o "$out/$side/$name" >"$out/$side-$name.log" 2>&1
        rc=$?
        if [ $rc -ne 0 ]; then
            echo "$name: the $side build failed (exit $rc; $out/$side-$name.log)"
            bad=1
            continue 2
        fi
    done
    n=$((n + 1))
    for f in summary.tsv curves.tsv; do
        cmp -s <(untimed "$out/old/$name/$f") <(untimed "$out/new/$name/$f") \
            || { echo "$name: $f differs"; bad=1; }
    done
    if [ -f "$out/old/$name/nets.jsonl" ] || [ -f "$out/new/$name/nets.jsonl" ]; then
        cmp -s "$out/old/$name/nets.jsonl" "$out/new/$name/nets.jsonl" \
            || { echo "$name: nets.jsonl differs"; bad=1; }
    fi
done
[ $bad -eq 0 ] && echo "same numbers: $n specs agree (runs in $out)"
exit $bad
