#!/bin/sh
# Runs each unit-test program given on the command line (the first argument
# is the directory they live in, for messages only) and fails if any fails.
dir=$1; shift
fail=0; n=0
for t in "$@"; do
  n=$((n + 1))
  if ! out=$("$t" 2>&1); then
    echo "FAIL $(basename "$t")"; echo "$out" | sed 's/^/    /'; fail=$((fail + 1))
  else
    echo "ok   $(basename "$t") $(echo "$out" | tail -n 1)"
  fi
done
echo "unit: $n programs, $fail failed"
[ "$fail" -eq 0 ]
