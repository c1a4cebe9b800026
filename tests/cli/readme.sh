#!/usr/bin/env bash
# tests/cli/readme.sh BINARY SOURCE_DIR FIXTURE_DIR: the README stays the user's guide and stays
# true. Checks: README.md is at most 400 lines; it gives the test command exactly as CI runs
# it (`bash scripts/test.sh`) and the setup command; every command `ruleset --help` lists
# appears in it, has a --help of its own, and every flag that `ruleset --help` and
# `ruleset CMD --help` print appears in it; every docs/ file that README.md or docs/*.md names
# exists; and no document points outside the repository (ALGORITHMS.md, ../shared). Exits non-zero on any failure, naming each check.
set -u
bin=${1:?usage: readme.sh BINARY SOURCE_DIR FIXTURE_DIR}
src=${2:?usage: readme.sh BINARY SOURCE_DIR FIXTURE_DIR}
readme=$src/README.md
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }

lines=$(wc -l < "$readme")
if [ "$lines" -le 400 ]; then pass "README.md has $lines lines"; else
    fail "README.md has $lines lines; keep it the user's guide (<= 400) and move the rest to docs/"; fi

for cmd in 'bash scripts/test.sh' 'bash scripts/setup.sh'; do
    if grep -qx "$cmd *\(#.*\)\?" "$readme"; then pass "README gives '$cmd'"; else
        fail "README.md lacks the line '$cmd' (CI runs the README's test command)"; fi
done

help=$("$bin" --help) || fail "ruleset --help exited non-zero"
cmds=$(printf '%s\n' "$help" | sed -n 's/^  ruleset \([a-z-]*\).*/\1/p' | sort -u)
[ -n "$cmds" ] || fail "found no commands in ruleset --help"
for c in $cmds; do
    if grep -q "ruleset $c\b" "$readme"; then pass "README shows 'ruleset $c'"; else
        fail "README.md never shows 'ruleset $c' (listed by ruleset --help)"; fi
done

# Flags: from the top-level help and from every command's own --help, which each must have
# (exit 0, a "usage:" line on stdout).
usage=$help
for c in $cmds; do
    if out=$("$bin" "$c" --help 2>/dev/null) && printf '%s\n' "$out" | grep -q "usage: ruleset $c"
    then usage="$usage
$out"
    else fail "ruleset $c --help does not print its usage and exit 0"; fi
done
flags=$(printf '%s\n' "$usage" | grep -o -- '--[a-z][a-z-]*' | sort -u)
for f in $flags; do
    if grep -q -- "$f\b" "$readme"; then :; else
        fail "README.md never mentions $f (printed by ruleset's --help)"; fi
done
pass "checked $(printf '%s\n' $flags | wc -l) flags against README.md"

for doc in "$readme" "$src"/docs/*.md; do
    for ref in $(grep -o 'docs/[A-Za-z_]*\.md' "$doc" | sort -u); do
        [ -f "$src/$ref" ] || fail "$(basename "$doc") names $ref, which does not exist"
    done
    for ref in $(grep -o '([A-Z][A-Za-z_]*\.md)' "$doc" | tr -d '()' | sort -u); do
        case $doc in */docs/*) [ -f "$src/docs/$ref" ] || [ -f "$src/$ref" ] ||
            fail "$(basename "$doc") links $ref, which does not exist" ;; esac
    done
    if grep -q 'ALGORITHMS\.md\|\.\./shared' "$doc"; then
        fail "$(basename "$doc") points outside the repository (ALGORITHMS.md or ../shared)"; fi
done
pass "docs named by README.md and docs/*.md exist"

if [ "$failures" -gt 0 ]; then echo "$failures check(s) failed"; exit 1; fi
echo "all README checks passed"
