#!/usr/bin/env bash
# tests/cli/trust.sh BINARY SOURCE_DIR FIXTURE_DIR: results you can trust, end to end.
#
# Text cannot break a file or a terminal: a tab or newline in a label or a text parameter is
# refused at parse time with file:line; a backslash in a label goes through the journal and
# back (a resume takes every job, merge loses none); a plugin's summary with an ESC is refused
# and a fail message with ESC/CR reaches neither stderr nor the journal raw.
# A run folder is the run's alone: --resume with another spec exits 2 naming the first key that
# differs; a second run on a folder in use exits 2 naming the holder; plot writes through no
# planted symlink; read-only folders exit 3 (plot, resume) with the right hint.
# Plugins the user did not ask for: files that crash while loading (entry function, ELF
# constructor, wild descriptor) are refused with one line each and the command goes on; an
# endless entry function gives one line; a ./rules plugin may not shadow a built-in unless named
# with --plugin; a refused --plugin file says why; crashes are blamed on the activation or task
# whose callback was running. Exits non-zero on any failure, naming each check.
# shellcheck disable=SC2015 # "check && pass || fail": pass only echoes, it cannot fail
set -u
bin=${1:?usage: trust.sh BINARY SOURCE_DIR FIXTURE_DIR}
fix=${3:?usage: trust.sh BINARY SOURCE_DIR FIXTURE_DIR}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
case $fix in /*) ;; *) fix=$PWD/$fix ;; esac

tmp=$(mktemp -d)
bg=
cleanup() { [ -n "$bg" ] && kill "$bg" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
# expect_rc WANT WHAT CMD...: run CMD (stdout to $tmp/out, stderr to $tmp/err), check its exit
expect_rc() {
    local want=$1 what=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$rc" -eq "$want" ]; then pass "$what (exit $rc)"; return 0; fi
    fail "$what: exit $rc, want $want; stderr: $(head -c 600 "$tmp/err")"
    return 1
}
has() { # has FILE TEXT WHAT
    if grep -qF -- "$2" "$1"; then pass "$3"; else fail "$3: '$2' not in $(head -c 800 "$1")"; fi
}
lines_with() { grep -cF -- "$2" "$1"; } # lines_with FILE TEXT
cd "$tmp" || exit 1
small=(--replicates 2 --steps 30 --no-plot --quiet)

# ---- text that cannot break a file or a terminal ------------------------------------------------
printf '{"name": "t", "seed": 1, "replicates": 2, "steps": 30,\n "tasks": [{"plugin": "gates", "label": "a\\tb"}],\n "rules": ["backprop"]}\n' >tab.json
expect_rc 2 "a tab in a label is refused" "$bin" compare tab.json -o tab
has err 'ruleset: tab.json:2: tasks[0]: "label" holds a control character (tab, newline, ...); use printable text' \
    "the refusal names file, line and key"
[ ! -e tab ] && pass "no run folder for a refused spec" || fail "tab/ was made"
expect_rc 2 "a newline in a text parameter is refused" "$bin" compare \
    --task "$(printf 'gates:table=01\n10')" --rule backprop "${small[@]}" -o nl
has err "a text parameter holds a control character (tab, newline, ...); use printable text" \
    "the inline refusal says what to fix"

printf '{"name": "bs", "seed": 1, "replicates": 2, "steps": 30,\n "tasks": [{"plugin": "gates", "params": {"gate": "and"}, "label": "and\\\\or"}],\n "rules": ["backprop"]}\n' >bs.json
if expect_rc 0 "a backslash in a label runs" "$bin" compare bs.json -o bs --no-plot --quiet; then
    has bs/journal.tsv 'backprop|and\\or|' "the journal escapes the backslash"
    has bs/summary.tsv 'backprop	and\\or	' "summary.tsv escapes it too"
    expect_rc 0 "resume of the finished run" "$bin" compare -o bs --resume --no-plot
    has err "resuming bs: 2 of 2 jobs already done" "the resume reads every record back"
    [ "$(grep -c '^J' bs/journal.tsv)" -eq 2 ] && pass "the journal did not grow" \
        || fail "journal has $(grep -c '^J' bs/journal.tsv) J records, want 2"
    expect_rc 0 "merge of the folder" "$bin" merge bs -o bsm --no-plot --quiet
    [ "$(grep -c '^J' bsm/journal.tsv)" -eq 2 ] && pass "merge keeps both jobs" \
        || fail "merged journal: $(grep -c '^J' bsm/journal.tsv) J records"
    expect_rc 0 "plot reads the escaped label" "$bin" plot bs --quiet
fi

expect_rc 0 "list with a plugin whose summary holds ESC" "$bin" list --plugin-dir "$fix"
has out "$fix/ctrl_text.so (plugin 'ctrl_text'): its summary holds a control character (ESC, CR, tab, ...)" \
    "the plugin is refused, naming what holds it"
if grep -q $'\033' out err; then fail "an ESC reached the output of list"; else pass "no ESC in list's output"; fi
# (its create fails, so planning refuses the run before any job: exit 2, no run folder)
expect_rc 2 "a rule failing with ESC and CR in its message" "$bin" compare --plugin \
    "$fix/esc_fail_rule.so" --task gates:gate=and --rule esc_fail_rule "${small[@]}" -o esc
has err "plugin 'esc_fail_rule' refused it (invalid parameter): bad?[2J?news?and?more" \
    "the message shows control characters as '?'"
if grep -q $'[\033\r]' err; then fail "ESC or CR reached stderr raw"
else pass "no ESC or CR in stderr"; fi

expect_rc 2 "a third-party rule that crashes in create" "$bin" compare --plugin \
    "$fix/segv_create.so" --task gates:gate=and --rule segv_create "${small[@]}" -o segvc
has err "rule 'segv_create' on task 'gates:gate=and': a plugin crashed while the job was being set up (Segmentation fault in a create callback); fix or remove that plugin" \
    "planning names the rule whose create crashed, in a child process"

# ---- a run folder is the run's alone ------------------------------------------------------------
"$bin" compare --task gates:gate=and --rule backprop "${small[@]}" -o same >/dev/null 2>&1
expect_rc 2 "--resume with another spec" "$bin" compare --task gates:gate=and --rule backprop \
    --replicates 2 --steps 40 --no-plot --quiet -o same --resume
has err "ruleset: same/spec.json was made by a different spec (first difference at 'steps'); --resume finishes the same spec: run it without --resume into another -o DIR" \
    "the refusal names the first key that differs"
grep -qE '"steps":[[:space:]]+30' same/spec.json && pass "spec.json keeps the folder's spec" \
    || fail "same/spec.json was rewritten: $(cat same/spec.json)"

"$bin" compare --task gates:gate=xor --rule backprop --replicates 400 --steps 200000 --no-plot \
    --quiet --threads 1 -o busy >/dev/null 2>&1 &
bg=$!
for _ in $(seq 200); do [ -s busy/.lock ] && break; sleep 0.05; done
expect_rc 2 "a second run on a folder in use" "$bin" compare -o busy --resume --no-plot --quiet
has err "ruleset: run folder busy is in use by pid $bg on host " "the refusal names the holder"
kill -INT "$bg" 2>/dev/null
wait "$bg" 2>/dev/null
bg=
if command -v flock >/dev/null; then
    flock -n busy/.lock true && pass "the lock goes with the run" || fail "busy/.lock still held"
fi
"$bin" compare --task gates:gate=and --rule backprop "${small[@]}" -o plotme >/dev/null 2>&1
ln -s "$tmp/victim" plotme/curves_agg.tsv.tmp
ln -s "$tmp/victim2" plotme/netgraph-1.tsv
"$bin" plot plotme --quiet >/dev/null 2>&1
[ ! -e victim ] && [ ! -e victim2 ] && pass "plot writes through no planted symlink" \
    || fail "plot wrote through a planted symlink"

# read-only folders: as an unprivileged user when root (root writes anywhere)
as_user=()
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null \
   && setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" --version >/dev/null 2>&1; then
    as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    chmod 755 "$tmp"
elif [ "$(id -u)" -ne 0 ]; then
    chmod -R a-w plotme
fi
if [ "$(id -u)" -ne 0 ] || [ ${#as_user[@]} -gt 0 ]; then
    expect_rc 3 "plot on a read-only folder is an I/O error" "${as_user[@]}" "$bin" plot plotme --quiet
    expect_rc 3 "resume on a read-only folder is an I/O error" "${as_user[@]}" "$bin" compare \
        -o plotme --resume --no-plot --quiet
    has err "the folder is read-only or not yours: choose another -o DIR" "no 'free some space' there"
    chmod -R u+w plotme 2>/dev/null
else
    echo "skip: read-only checks (root without setpriv)"
fi

# ---- plugins the user did not ask for -----------------------------------------------------------
if expect_rc 0 "list goes on past plugins that crash while loading" "$bin" list --plugin-dir "$fix"; then
    for f in crash_entry crash_constructor wild_desc; do
        has err "ruleset: $fix/$f.so: crashed while loading (Segmentation fault in its entry function, a constructor or a descriptor it points to); it is skipped" \
            "$f.so is refused with one line naming it"
    done
    has out "good_rule" "the good fixture is still listed"
    [ "$(lines_with out "  $fix/endless_entry.so:")" -eq 1 ] \
        && pass "an endless entry function is one refusal line" \
        || fail "endless_entry.so refused on $(lines_with out "  $fix/endless_entry.so:") lines"
    has out "$fix/endless_entry.so: rs_plugin_entry never returned NULL (an earlier descriptor again at index 1); end the list with NULL" \
        "the line says what to do"
fi
expect_rc 2 "check-plugin on a file that crashes" "$bin" check-plugin "$fix/crash_entry.so"
[ "$(wc -l <err)" -eq 1 ] && has err "crash_entry.so: crashed while loading" "check-plugin: one line" \
    || fail "check-plugin crash_entry.so: $(cat err)"
expect_rc 2 "--plugin of a refused file" "$bin" compare --plugin "$fix/crash_constructor.so" \
    --task gates:gate=and --rule crash_constructor "${small[@]}" -o refused
has err "ruleset: $fix/crash_constructor.so: crashed while loading (" "it says why the file was refused"

mkdir -p shadow/rules && cp "$fix/dup_name.so" shadow/rules/
(cd shadow && "$bin" list >../out 2>../err)
has err "rules/dup_name.so (plugin 'backprop'): may not replace the built-in rule of that name (" \
    "a ./rules plugin may not shadow a built-in"
grep -E '^rule +backprop ' out | grep -qv dup_name && pass "backprop is still the built-in" \
    || fail "backprop is not the built-in: $(grep backprop out)"
(cd shadow && "$bin" list --plugin rules/dup_name.so >../out 2>../err)
grep -E '^rule +backprop ' out | grep -q dup_name && pass "named with --plugin, it replaces the built-in" \
    || fail "--plugin rules/dup_name.so did not replace backprop: $(grep backprop out)"

expect_rc 1 "a crash inside an activation" "$bin" compare --plugin "$fix/segv_act.so" \
    --task gates:gate=and --rule backprop --act segv_act,sigmoid "${small[@]}" -o act
has err "plugin 'segv_act' crashed with SIGSEGV" "the crash is blamed on the activation"
expect_rc 1 "a crash inside a task" "$bin" compare --plugin "$fix/segv_task.so" --task segv_task \
    --rule backprop "${small[@]}" -o task
has err "plugin 'segv_task' crashed with SIGSEGV" "the crash is blamed on the task"

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all trust checks passed"
