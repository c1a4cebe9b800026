# tests/tools/cli_lib.sh: what the CLI tests that refuse bad input share; source it after setting
# $bin (the ruleset binary) and $tmp (a scratch folder). Defines failures=0 and:
#   fail MSG / pass MSG            count a failure / say ok
#   refuse WHAT WANT_LINE ARGS...  `ruleset compare ARGS` must exit 2 with exactly one stderr
#                                  line, equal to WANT_LINE, and make no run folder
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
refuse() {
    local what=$1 want=$2
    shift 2
    "$bin" compare "$@" -o "$tmp/run" --no-plot >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ "$rc" -eq 2 ] || { fail "$what: exit $rc, want 2: $(head -c 400 "$tmp/err")"; return; }
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || { fail "$what: not one line: $(cat "$tmp/err")"; return; }
    [ "$(cat "$tmp/err")" = "$want" ] || { fail "$what: got '$(cat "$tmp/err")'"; return; }
    [ ! -e "$tmp/run" ] || { fail "$what: a run folder was made"; return; }
    pass "$what"
}
