#!/bin/sh
# tools/demo.sh: the interim `make demo` (issue 3). Starts moto (the AWS
# emulator) on a free loopback port, then validates, plans and applies
# examples/demo.yaml (a KMS key and a bucket encrypted with it), shows what
# AWS says about them with the aws CLI, shows that a second plan changes
# nothing, prints the outputs, destroys the stack and stops moto. Nothing
# is left running and nothing outside a scratch directory is written.
#
#   sh tools/demo.sh            run it
#   KEEP=1 sh tools/demo.sh     leave the stack applied (moto still stops)
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CAIRN="$ROOT/cairn"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/cairn-demo-XXXXXX")
MOTO_PID=""

cleanup() {
	if [ -n "$MOTO_PID" ] && kill -0 "$MOTO_PID" 2>/dev/null; then
		kill "$MOTO_PID" 2>/dev/null || true
		wait "$MOTO_PID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then B=$(printf '\033[1m'); R=$(printf '\033[0m'); else B=; R=; fi
step() {
	printf '\n%s==> %s%s\n' "$B" "$*" "$R"
}

[ -x "$CAIRN" ] || { echo "demo: $CAIRN is missing: run make first" >&2; exit 1; }
command -v moto_server >/dev/null || { echo "demo: moto_server is not on PATH" >&2; exit 1; }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
step "starting moto (the AWS emulator) on 127.0.0.1:$PORT"
MOTO_ALLOW_NONEXISTENT_REGION=true moto_server -H 127.0.0.1 -p "$PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
i=0
until python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/moto-api/', timeout=1)" 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$MOTO_PID" 2>/dev/null; then
		echo "demo: moto did not start:" >&2
		cat "$WORK/moto.log" >&2
		exit 1
	fi
	sleep 0.1
done

# cairn, the aws CLI and boto3 all talk to moto with these
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-east-1 AWS_ENDPOINT_URL="http://127.0.0.1:$PORT"
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN CAIRN_HOME || true
cp "$ROOT/examples/demo.yaml" "$WORK/demo.yaml"
cd "$WORK"

step "cairn validate demo.yaml"
"$CAIRN" validate demo.yaml

step "cairn plan demo.yaml"
"$CAIRN" plan demo.yaml

step "cairn apply --auto-approve demo.yaml"
"$CAIRN" apply --auto-approve demo.yaml

BUCKET=$("$CAIRN" output BucketName)
KEY=$("$CAIRN" output KeyArn)
step "what AWS says (aws CLI, not cairn)"
echo "versioning:   $(aws s3api get-bucket-versioning --bucket "$BUCKET" --query Status --output text)"
echo "encryption:   $(aws s3api get-bucket-encryption --bucket "$BUCKET" \
	--query 'ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.[SSEAlgorithm,KMSMasterKeyID]' --output text)"
echo "public block: $(aws s3api get-public-access-block --bucket "$BUCKET" \
	--query 'PublicAccessBlockConfiguration.[BlockPublicAcls,BlockPublicPolicy,IgnorePublicAcls,RestrictPublicBuckets]' --output text)"
echo "key rotation: $(aws kms get-key-rotation-status --key-id "$KEY" --query KeyRotationEnabled --output text)"

step "cairn plan -detailed-exitcode demo.yaml (a second plan: nothing to do)"
"$CAIRN" plan -detailed-exitcode demo.yaml

step "cairn output"
"$CAIRN" output

step "cairn state list"
"$CAIRN" state list

if [ "${KEEP:-}" = 1 ]; then
	step "KEEP=1: leaving the stack applied (moto stops now, and with it the stack)"
else
	step "cairn destroy --auto-approve demo.yaml"
	"$CAIRN" destroy --auto-approve demo.yaml
	echo "buckets left: $(aws s3api list-buckets --query 'length(Buckets)' --output text)"
fi

step "stopping moto; the demo is over"
