#!/bin/sh
# tools/demo.sh: `make demo` (docs/demo.md). On a machine with nothing but
# the build, against a local AWS emulator:
#
#   1. starts the emulator (moto with cairn's per-service test doubles,
#      tests/lib/emulator/moto_server) on a free loopback port;
#   2. validates, checks (policies, no credentials) and applies every seed
#      stack in stacks/;
#   3. shows that drift finds nothing right after the apply;
#   4. changes four things behind cairn's back with the aws CLI: versioning
#      suspended on a bucket, rotation turned off on a KMS key, a wildcard
#      statement added to an IAM role's policy, a CloudTrail trail stopped;
#   5. runs `cairn drift` and `cairn audit` on every stack with --commit
#      ./demo-reports (a git repository made afresh for each run);
#   6. prints the git log and where to read the reports; stops the emulator.
#
# State and the emulator's log go to a scratch directory that is removed at
# the end; ./demo-reports stays (it is what the demo makes). Nothing is left
# running, whatever happens (trap on EXIT, INT, TERM). The duration is
# printed at the end.
#
#   sh tools/demo.sh
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CAIRN="$ROOT/cairn"
EMULATOR="$ROOT/tests/lib/emulator/moto_server"
REPORTS="$ROOT/demo-reports"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cairn-demo-XXXXXX")
MOTO_PID=""
START=$(date +%s)

cleanup() {
	if [ -n "$MOTO_PID" ] && kill -0 "$MOTO_PID" 2>/dev/null; then
		kill "$MOTO_PID" 2>/dev/null || true
		wait "$MOTO_PID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then B=$(printf '\033[1m'); R=$(printf '\033[0m'); else B=; R=; fi
step() {
	printf '\n%s==> %s%s\n' "$B" "$*" "$R"
}

[ -x "$CAIRN" ] || { echo "demo: $CAIRN is missing: run make first" >&2; exit 1; }
for t in python3 aws git; do
	command -v "$t" >/dev/null || { echo "demo: $t is not on PATH" >&2; exit 1; }
done

STACKS="model-registry s3-ingestion model-approval sagemaker-secure-mlops-network
sagemaker-secure-mlops llm-finetune"

# ---- 1. the emulator ---------------------------------------------------------------
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
step "starting the AWS emulator on 127.0.0.1:$PORT (moto with cairn's test doubles, tests/lib/emulator)"
MOTO_ALLOW_NONEXISTENT_REGION=true MOTO_IAM_LOAD_MANAGED_POLICIES=true \
	python3 "$EMULATOR" -H 127.0.0.1 -p "$PORT" >"$WORK/emulator.log" 2>&1 &
MOTO_PID=$!
i=0
until python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/moto-api/', timeout=1)" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 "$MOTO_PID" 2>/dev/null; then
		echo "demo: the emulator did not start:" >&2
		cat "$WORK/emulator.log" >&2
		exit 1
	fi
	sleep 0.1
done

# cairn, the aws CLI and git all run with these
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1 AWS_ENDPOINT_URL="http://127.0.0.1:$PORT"
export AWS_EC2_METADATA_DISABLED=true AWS_PAGER=""
export GIT_AUTHOR_NAME="cairn demo" GIT_AUTHOR_EMAIL="demo@example.invalid"
export GIT_COMMITTER_NAME="cairn demo" GIT_COMMITTER_EMAIL="demo@example.invalid"
unset AWS_PROFILE AWS_SESSION_TOKEN CAIRN_HOME || true
cd "$ROOT"

state() { # the state file of stack $1
	echo "$WORK/state/$1.state.json"
}
physical_id() { # the physical id of logical id $2 in stack $1's state
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["resources"][sys.argv[2]]["id"])' \
		"$(state "$1")" "$2"
}

# ---- 2. validate, check, apply -------------------------------------------------------
step "cairn validate and cairn check (policies, no credentials) on every seed stack"
for s in $STACKS; do
	"$CAIRN" validate "stacks/$s.yaml" | sed 's/^/  /'
	"$CAIRN" check --fail-on low "stacks/$s.yaml" >"$WORK/check-$s.txt" 2>&1 || {
		cat "$WORK/check-$s.txt" >&2
		exit 1
	}
	tail -n 1 "$WORK/check-$s.txt" | sed "s|^|  $s: |"
done

step "cairn apply --auto-approve, every seed stack"
for s in $STACKS; do
	"$CAIRN" apply --auto-approve --state "$(state "$s")" "stacks/$s.yaml" >"$WORK/apply-$s.log" 2>&1 || {
		cat "$WORK/apply-$s.log" >&2
		exit 1
	}
	grep "Apply complete" "$WORK/apply-$s.log" | sed "s|^|  $s: |"
done

step "cairn drift right after the apply: nothing has drifted"
for s in $STACKS; do
	"$CAIRN" drift --state "$(state "$s")" "stacks/$s.yaml" >"$WORK/drift0-$s.txt" 2>&1 || {
		cat "$WORK/drift0-$s.txt" >&2
		exit 1
	}
	tail -n 1 "$WORK/drift0-$s.txt" | sed "s|^|  $s: |"
done

# ---- 4. behind cairn's back ----------------------------------------------------------
BUCKET=$(physical_id model-registry ModelBucket)
KEY=$(physical_id model-registry ModelKey)
ROLE=$(physical_id model-registry DataScientistRole)
TRAIL=$(physical_id s3-ingestion Trail)
step "changes made outside cairn, with the aws CLI"
echo "  aws s3api put-bucket-versioning --bucket $BUCKET --versioning-configuration Status=Suspended"
aws s3api put-bucket-versioning --bucket "$BUCKET" --versioning-configuration Status=Suspended
echo "  aws kms disable-key-rotation --key-id $KEY"
aws kms disable-key-rotation --key-id "$KEY"
POLICY=$(aws iam list-role-policies --role-name "$ROLE" --query 'PolicyNames[0]' --output text)
echo "  aws iam put-role-policy --role-name $ROLE --policy-name $POLICY  (+ Allow s3:* on *)"
aws iam get-role-policy --role-name "$ROLE" --policy-name "$POLICY" --query PolicyDocument --output json |
	python3 -c 'import json,sys; d=json.load(sys.stdin); d["Statement"].append({"Sid": "Wildcard", "Effect": "Allow", "Action": "s3:*", "Resource": "*"}); print(json.dumps(d))' \
	>"$WORK/policy.json"
aws iam put-role-policy --role-name "$ROLE" --policy-name "$POLICY" --policy-document "file://$WORK/policy.json"
echo "  aws cloudtrail stop-logging --name $TRAIL"
aws cloudtrail stop-logging --name "$TRAIL"

# ---- 5. drift and audit, committed ----------------------------------------------------
rm -rf "$REPORTS"
step "cairn drift --commit ./demo-reports, every stack"
for s in $STACKS; do
	rc=0
	"$CAIRN" drift --state "$(state "$s")" --commit "$REPORTS" "stacks/$s.yaml" \
		>"$WORK/drift-$s.txt" 2>"$WORK/drift-$s.err" || rc=$?
	[ "$rc" -le 2 ] || { cat "$WORK/drift-$s.err" >&2; exit 1; }
	printf '  %-31s exit %d  %s\n' "$s" "$rc" "$(tail -n 1 "$WORK/drift-$s.txt")"
done
echo
echo "  what drifted in model-registry:"
sed -n '/^[~-] /,/^$/p' "$WORK/drift-model-registry.txt" | cut -c1-160 | sed 's/^/    /'

step "cairn audit --commit ./demo-reports, every stack (policies on live values, the account, drift)"
for s in $STACKS; do
	rc=0
	"$CAIRN" audit --state "$(state "$s")" --commit "$REPORTS" "stacks/$s.yaml" \
		>"$WORK/audit-$s.txt" 2>"$WORK/audit-$s.err" || rc=$?
	[ "$rc" -le 3 ] || { cat "$WORK/audit-$s.err" >&2; exit 1; }
	printf '  %-31s exit %d  %s\n' "$s" "$rc" "$(grep '^Controls:' "$WORK/audit-$s.txt")"
done
echo
echo "  what the out-of-band changes broke, by the audit of model-registry and s3-ingestion:"
for s in model-registry s3-ingestion; do
	grep -A1 -E '^FAILED +(cis-3\.6|cis-3\.1|lp-wildcard-write) ' "$WORK/audit-$s.txt" |
		grep -v '^--' | cut -c1-150 | sed 's/^/    /'
done

# ---- 6. what was committed -------------------------------------------------------------
step "git -C demo-reports log: one commit per report"
git -C "$REPORTS" log --format='  %h %s'
MR=$(git -C "$REPORTS" log --format=%h --grep='^audit: model-registry:' | head -n 1)
step "git -C demo-reports show --stat $MR: the audit of model-registry"
git -C "$REPORTS" show --stat --format='%B' "$MR" | sed 's/^/  /'
echo "  sha256sum stacks/model-registry.yaml: $(sha256sum stacks/model-registry.yaml | cut -d' ' -f1)"

END=$(date +%s)
step "done in $((END - START)) s; the emulator is stopped"
cat <<EOF
Read the reports in $REPORTS:
  reports/<stack>/audit.md   the compliance audit, for people (start with reports/model-registry/audit.md)
  reports/<stack>/drift.md   what changed since the last apply
  *.json                     the same, for machines
  git -C demo-reports log    one commit per report, its trailers tie it to the template, policies and state
docs/auditors.md says how to read them and how to check one against the files it names.
EOF
