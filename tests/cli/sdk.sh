#!/usr/bin/env bash
# Plugins built outside the tree: `cmake --install` the build into a temporary prefix; the
# installed ruleset finds its own plugins and data (not the build tree's, not the source
# tree's), also after the prefix is moved; `ruleset new rule my_sign_sgd` writes a rule and
# prints its one-line build command, which builds it against the installed headers with
# `cc -shared -fPIC $(pkg-config --cflags ruleset)` (-Wall -Wextra -Werror -pedantic clean too)
# into ./rules/ (and through the stand-alone CMake project tests/sdk); `ruleset compare` then
# runs it beside the built-in rules, and it learns XOR. `ruleset new task` and `new activation`
# likewise (backprop learns them), and `ruleset new cmake`'s project builds all three.
# usage: sdk.sh RULESET_BIN SOURCE_DIR FIXTURE_DIR
set -uo pipefail
BIN=$1 SRC=$2
BUILD=$(cd "$(dirname "$BIN")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v pkg-config >/dev/null || fail "pkg-config is not installed"
command -v cc >/dev/null || fail "no C compiler 'cc'"
unset RULESET_PLUGIN_PATH RULESET_SCRIPTS_DIR RULESET_RULES_DIR # the installed defaults only

cmake --install "$BUILD" --prefix "$T/prefix" >"$T/install.log" 2>&1 || { cat "$T/install.log"; fail "cmake --install"; }
P=$T/prefix
[ -x "$P/bin/ruleset" ] || fail "no bin/ruleset"
[ -f "$P/include/ruleset/plugin.h" ] && [ -f "$P/include/ruleset/host.h" ] || fail "headers"
PC=$(find "$P" -name ruleset.pc) && [ -n "$PC" ] || fail "no ruleset.pc"
PLUGDIR=$(dirname "$(find "$P" -name backprop.so)") && [ -n "$PLUGDIR" ] || fail "no backprop.so"
[ -f "$P/share/ruleset/rules/default.json" ] || fail "no share/ruleset/rules/default.json"
"$P/bin/ruleset" --version >"$T/version" || fail "--version"
grep -q "^plugins: $P/" "$T/version" || { cat "$T/version"; fail "installed CLI does not use its installed plugins"; }
grep -q "^specs:   $P/share/ruleset/rules" "$T/version" || { cat "$T/version"; fail "installed CLI does not use its installed specs"; }
grep -q "^scripts: $P/share/ruleset/scripts" "$T/version" || { cat "$T/version"; fail "installed CLI does not use its installed scripts"; }

export PKG_CONFIG_PATH=$(dirname "$PC")
CF=$(echo $(pkg-config --cflags ruleset)) # -I<prefix>/lib/pkgconfig/../../include: relocatable
[ "$(readlink -f "${CF#-I}")" = "$(readlink -f "$P/include")" ] || fail "pkg-config --cflags: $CF"
[ -z "$(pkg-config --libs ruleset)" ] || fail "plugins need no libs: $(pkg-config --libs ruleset)"

mkdir "$T/work" && cd "$T/work" || fail "cd"
"$P/bin/ruleset" new rule my_sign_sgd >cmd.txt 2>new.err || { cat new.err; fail "ruleset new rule"; }
[ -f my_sign_sgd.c ] || fail "no my_sign_sgd.c"
[ "$(wc -l <cmd.txt)" = 1 ] || fail "build command is not one line: $(cat cmd.txt)"
grep -q 'cc -shared -fPIC .*\$(pkg-config --cflags ruleset) my_sign_sgd.c -o rules/my_sign_sgd.so' cmd.txt \
    || fail "build command: $(cat cmd.txt)"
"$P/bin/ruleset" new rule my_sign_sgd >/dev/null 2>again.err && fail "new overwrote a file"
grep -q "cannot create my_sign_sgd.c (File exists)" again.err || fail "overwrite message"
"$P/bin/ruleset" new rule Bad-Name >/dev/null 2>&1 && fail "new accepted a bad name"
cc -fsyntax-only -std=c11 -Wall -Wextra -Werror -pedantic $(pkg-config --cflags ruleset) my_sign_sgd.c \
    || fail "generated rule is not warning-free"
bash cmd.txt || fail "the printed build command failed"
[ -f rules/my_sign_sgd.so ] || fail "no rules/my_sign_sgd.so"
"$P/bin/ruleset" check-plugin rules/my_sign_sgd.so >/dev/null || fail "check-plugin refuses it"
# the same file through a CMake project of its own (tests/sdk, the recipe of docs/PLUGINS.md)
cmake -S "$SRC/tests/sdk" -B cmk -DRULE_SOURCE="$PWD/my_sign_sgd.c" >cmk.log 2>&1 \
    && cmake --build cmk >>cmk.log 2>&1 || { cat cmk.log; fail "tests/sdk CMake project"; }
# (from inside cmk/: in here, ./rules/ already holds a plugin of that name)
(cd cmk && "$P/bin/ruleset" check-plugin my_sign_sgd.so >/dev/null) \
    || fail "check-plugin refuses the CMake build"

# a task and an activation the same way: each builds with its printed command, warning-free,
# loads, and runs; `ruleset new cmake` builds all three in a project of their own
for kind in task activation; do
    "$P/bin/ruleset" new $kind my_$kind >cmd_$kind.txt 2>new_$kind.err \
        || { cat new_$kind.err; fail "ruleset new $kind"; }
    grep -q "cc -shared -fPIC .*\$(pkg-config --cflags ruleset) my_$kind.c -o rules/my_$kind.so" \
        cmd_$kind.txt || fail "$kind build command: $(cat cmd_$kind.txt)"
    cc -fsyntax-only -std=c11 -Wall -Wextra -Werror -pedantic $(pkg-config --cflags ruleset) \
        my_$kind.c || fail "generated $kind is not warning-free"
    bash cmd_$kind.txt || fail "the printed build command of the $kind failed"
    "$P/bin/ruleset" check-plugin rules/my_$kind.so >/dev/null || fail "check-plugin refuses my_$kind"
done
"$P/bin/ruleset" compare --task my_task:bits=5 --rule backprop:lr=0.5 --net 5-4-1 --replicates 4 \
    --steps 500 --no-plot -o run_task >/dev/null 2>run_task.err || { cat run_task.err; fail "compare my_task"; }
awk -F'\t' '$2 == "my_task:bits=5" { ok = ($4 == 4 && $5 >= 3) } END { exit !ok }' run_task/summary.tsv \
    || { cat run_task/summary.tsv; fail "backprop does not learn my_task (majority of 5)"; }
"$P/bin/ruleset" compare --task my_task:bits=4 --rule backprop --steps 5 --no-plot -o run_even \
    >/dev/null 2>even.err && fail "my_task accepted an even bits"
grep -q "my_task: bits = 4 is even, so a row can tie; use an odd number" even.err || fail "even bits: $(cat even.err)"
"$P/bin/ruleset" compare --task gates:gate=xor --rule backprop:lr=0.5 --net 2-4-1 \
    --act my_activation:beta=1,sigmoid --replicates 4 --steps 500 --no-plot -o run_act \
    >/dev/null 2>run_act.err || { cat run_act.err; fail "compare with my_activation"; }
awk -F'\t' '$1 ~ /^backprop/ { ok = ($4 == 4 && $5 >= 3) } END { exit !ok }' run_act/summary.tsv \
    || { cat run_act/summary.tsv; fail "backprop with my_activation does not learn XOR"; }
mkdir proj && cp my_sign_sgd.c my_task.c my_activation.c proj/ && (cd proj \
    && "$P/bin/ruleset" new cmake >cmd.txt 2>new.err && [ -f CMakeLists.txt ] \
    && grep -qx 'cmake -S . -B build && cmake --build build' cmd.txt && bash cmd.txt >cmk.log 2>&1 \
    && for k in sign_sgd task activation; do "$P/bin/ruleset" check-plugin rules/my_$k.so >/dev/null || exit 1; done) \
    || { cat proj/new.err proj/cmk.log 2>/dev/null; fail "ruleset new cmake: the project does not build and load"; }

"$P/bin/ruleset" list >list.txt || fail "list"
grep -q "my_sign_sgd .* rules/my_sign_sgd.so" list.txt || { cat list.txt; fail "list: no my_sign_sgd from rules/"; }
grep -q "backprop .* $PLUGDIR/backprop.so" list.txt || { cat list.txt; fail "list: backprop not from the prefix"; }
"$P/bin/ruleset" compare --rule my_sign_sgd:lr=0.05 --rule backprop:lr=0.5 --task gates:gate=xor \
    --net 2-4-1 --replicates 6 --steps 600 --no-plot -o run >run.out 2>run.err \
    || { cat run.err; fail "compare with the new rule"; }
# the rule ran every replicate (none failed or crashed) and learned: XOR in >= 1 of 6
awk -F'\t' '$1 ~ /^my_sign_sgd/ { ok = ($4 == 6 && $7 == 0 && $8 == 0 && $5 >= 1) } END { exit !ok }' run/summary.tsv \
    || { cat run/summary.tsv; fail "my_sign_sgd row"; }
grep -q '^backprop' run/summary.tsv || fail "no backprop row beside it"
if command -v gnuplot >/dev/null; then # the installed scripts draw the installed run's plots
    "$P/bin/ruleset" plot run --term svg >/dev/null 2>plot.err || { cat plot.err; fail "plot"; }
    ls run/*.svg >/dev/null 2>&1 || fail "plot wrote no svg"
fi
"$P/bin/ruleset" compare xor-mlp --replicates 1 --steps 5 --no-plot --quiet -o named >/dev/null 2>&1 \
    || fail "installed ready-made spec by name"

# moved prefix: plugins, data and the .pc file are found relative to themselves
mv "$P" "$T/moved" && P=$T/moved
"$P/bin/ruleset" --version | grep -q "^plugins: $P/" || fail "moved prefix: plugins not found"
"$P/bin/ruleset" info backprop >/dev/null || fail "moved prefix: backprop not found"
CF=$(echo $(PKG_CONFIG_PATH=$(dirname "$(find "$P" -name ruleset.pc)") pkg-config --cflags ruleset))
[ "$(readlink -f "${CF#-I}")" = "$(readlink -f "$P/include")" ] \
    || fail "moved prefix: pkg-config points elsewhere: $CF"
echo ok
