#!/usr/bin/env bash
# The system tools the test suite runs for real, installed when missing (Debian/Ubuntu,
# apt-get as root or through sudo): `kubectl` (the Argo CD emulator renders Kustomize
# overlays with `kubectl kustomize`), `prometheus-pushgateway` (metrics are pushed to a real
# gateway) and `promtool` (lints the pushed metrics, checks and unit-tests the alert rules).
# `make test` and `.ci/run` call it; on other systems install the same tools by hand.
set -euo pipefail
missing=()
command -v kubectl >/dev/null || missing+=(kubernetes-client)
command -v prometheus-pushgateway >/dev/null || missing+=(prometheus-pushgateway)
command -v promtool >/dev/null || missing+=(prometheus)
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if ! command -v apt-get >/dev/null; then
  echo "the tests need: ${missing[*]} (Debian package names); install them and re-run" >&2
  exit 1
fi
echo "installing the test tools: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
