#!/usr/bin/env bash
# check_headers.sh COMPILER STD INCLUDE_DIR: compile, for every INCLUDE_DIR/ruleset/*.h, a
# translation unit that includes that header alone (twice, so a missing include guard fails
# too) with -std=STD -Wall -Wextra -Werror -pedantic -fsyntax-only. STD c11 compiles the unit
# as C, c++11 as C++. Prints one line per header; exits 1 when any fails, naming it.
set -u
cc=$1 std=$2 inc=$3
case $std in
    c++*) ext=cpp ;;
    *) ext=c ;;
esac
if ! command -v "$cc" >/dev/null 2>&1; then
    echo "check_headers: no compiler '$cc' for -std=$std; install it (scripts/deps.sh installs g++)" >&2
    exit 1
fi
shopt -s nullglob
headers=("$inc"/ruleset/*.h)
if [ ${#headers[@]} -eq 0 ]; then
    echo "check_headers: no headers in $inc/ruleset/" >&2
    exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
for h in "${headers[@]}"; do
    name=$(basename "$h")
    tu=$tmp/${name%.h}.$ext
    printf '#include <ruleset/%s>\n#include <ruleset/%s>\n' "$name" "$name" > "$tu"
    if "$cc" -std="$std" -Wall -Wextra -Werror -pedantic -fsyntax-only -I"$inc" "$tu" \
            2> "$tmp/err"; then
        echo "ok    ruleset/$name ($std)"
    else
        echo "FAIL  ruleset/$name ($std): it does not compile alone:" >&2
        cat "$tmp/err" >&2
        failed=1
    fi
done
exit $failed
