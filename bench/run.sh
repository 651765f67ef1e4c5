#!/bin/sh
# bench/run.sh: every benchmark, one after the other (`make bench`). Each
# prints ratios measured within its own run (never absolute timings to be
# compared across machines); docs/performance.md records the numbers and
# what they mean. Not part of `make test`.
#
#   sh bench/run.sh                 all of them
#   sh bench/run.sh validate aws    only those whose name is given
#                                   (validate, policy, aws, apply)
set -eu
cd "$(dirname "$0")/.."
[ -x ./cairn ] || { echo "bench: build cairn first (make)" >&2; exit 1; }
run() {
	name=$1
	shift
	printf '\n==== bench: %s ====\n' "$name"
	"$@"
}
sel=${*:-validate policy aws apply}
for b in $sel; do
	case $b in
	validate) run "validate and graph (bench/validate.sh)" sh bench/validate.sh ;;
	policy) run "policies (bench/policy/run.py)" python3 bench/policy/run.py ;;
	aws) run "AWS client (bench/aws/run.py)" python3 bench/aws/run.py ;;
	apply) run "apply against the critical path (bench/apply/run.py)" python3 bench/apply/run.py ;;
	*) echo "bench: unknown benchmark '$b' (validate, policy, aws, apply)" >&2; exit 2 ;;
	esac
done
