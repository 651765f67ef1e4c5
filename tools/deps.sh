#!/bin/sh
# Installs the Debian packages cairn needs to build and test, with apt-get,
# when they are missing. Prints nothing when everything is there. The
# Python tools (moto_server, aws, cfn-lint, boto3) come with the build image
# and cannot be installed here (no Python registry): their absence is an
# error that says so.
set -e
PKGS="gcc make pkg-config git libyaml-dev libjansson-dev libcurl4-openssl-dev
liblua5.4-dev libgit2-dev libexpat1-dev libssl-dev valgrind time graphviz"
missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $p"
  fi
done
if [ -n "$missing" ]; then
  echo "deps: installing$missing"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null || true
  $SUDO apt-get install -y -qq $missing >/dev/null
fi
for t in moto_server aws cfn-lint python3; do
  command -v "$t" >/dev/null 2>&1 || {
    echo "deps: '$t' is not on PATH; the tests need the build image's Python tools (moto, awscli, cfn-lint, boto3)" >&2
    exit 1
  }
done
exit 0
