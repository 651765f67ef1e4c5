#!/bin/sh
# bench/validate.sh: time and peak memory of `cairn validate` and
# `cairn graph` on generated stacks of 1,000 and 10,000 resources
# (bench/gen-template.py), with ratios measured in this one run:
#   - 10k / 1k, for both commands (10.0 means time grows linearly);
#   - cfn-lint / cairn validate on the 1,000-resource stack (the check
#     CI would otherwise run; skipped with NO_CFN_LINT=1, it takes ~30 s).
# Each command runs RUNS times (default 3); the best wall time and its
# peak resident memory are reported. Not part of `make test`.
#
#   sh bench/validate.sh            (after `make`)
set -eu
cd "$(dirname "$0")/.."
CAIRN=${CAIRN:-./cairn}
RUNS=${RUNS:-3}
[ -x "$CAIRN" ] || { echo "bench: build cairn first (make)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
dir=$(mktemp -d /tmp/cairn-bench-XXXXXX)
trap 'rm -rf "$dir"' EXIT INT TERM

python3 bench/gen-template.py 1000 > "$dir/stack1k.yaml"
python3 bench/gen-template.py 10000 > "$dir/stack10k.yaml"

# best RUNS: prints "wall_seconds peak_kb"
best() {
  b=""
  i=0
  while [ "$i" -lt "$RUNS" ]; do
    /usr/bin/time -f "%e %M" -o "$dir/t" "$@" > /dev/null 2> "$dir/err" || {
      cat "$dir/err" >&2; echo "bench: $* failed" >&2; exit 1; }
    r=$(tail -n 1 "$dir/t")
    if [ -z "$b" ] || [ "$(echo "$r $b" | awk '{print ($1 < $3)}')" = 1 ]; then b=$r; fi
    i=$((i + 1))
  done
  echo "$b"
}

v1=$(best "$CAIRN" validate "$dir/stack1k.yaml")
v10=$(best "$CAIRN" validate "$dir/stack10k.yaml")
g1=$(best "$CAIRN" graph "$dir/stack1k.yaml")
g10=$(best "$CAIRN" graph "$dir/stack10k.yaml")

echo "cairn validate and graph on generated stacks ($(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg), best of $RUNS)"
echo
echo "| command | resources | template | wall | peak memory |"
echo "|---|---:|---:|---:|---:|"
for row in "validate 1000 stack1k $v1" "validate 10000 stack10k $v10" \
           "graph 1000 stack1k $g1" "graph 10000 stack10k $g10"; do
  set -- $row
  size=$(wc -c < "$dir/$3.yaml")
  printf '| cairn %s | %s | %.1f MB | %.2f s | %.0f MB |\n' "$1" "$2" \
    "$(echo "$size" | awk '{print $1 / 1e6}')" "$4" "$(echo "$5" | awk '{print $1 / 1024}')"
done
echo
echo "$v1 $v10 $g1 $g10" | awk '{
  printf "ratio 10k/1k: validate %.1fx time, %.1fx memory; graph %.1fx time\n", $3 / $1, $4 / $2, $7 / $5 }'
if [ "${NO_CFN_LINT:-0}" != 1 ] && command -v cfn-lint > /dev/null; then
  /usr/bin/time -f "%e %M" -o "$dir/t" cfn-lint "$dir/stack1k.yaml" > /dev/null 2>&1 || true
  c=$(tail -n 1 "$dir/t")
  echo "$c $v1" | awk '{ printf "ratio cfn-lint/cairn validate on 1,000 resources: %.0fx time (%.1f s against %.2f s), %.1fx memory\n", $1 / $3, $1, $3, $2 / $4 }'
fi
# where the time goes, for the 10,000-resource stack (one run)
CAIRN_LOG=debug "$CAIRN" validate "$dir/stack10k.yaml" 2>&1 >/dev/null | sed -n "s/^cairn: debug: [^:]*: 10000 resources: /phases of validate, 10,000 resources: /p"
