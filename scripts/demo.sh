#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root), builds kovn and runs its main job: a 3-node kovn cluster on
# this machine (`kovn sandbox up`: network namespaces, real OVN/OVS, the kovn controller and node agents, an
# emulated Kubernetes API), its connectivity matrix checked by real traffic (`kovn sandbox demo`), and
# `kovn sandbox down`. With --keep the sandbox stays up to explore (bin/kovn sandbox status | exec | down).
set -euo pipefail
cd "$(dirname "$0")/.."
keep=false
[ "${1:-}" = "--keep" ] && keep=true
./scripts/install-deps.sh
mvn -B -ntp -q -DskipTests package
bin/kovn sandbox down >/dev/null 2>&1 || true
bin/kovn sandbox up
status=0
bin/kovn sandbox demo || status=$?
bin/kovn sandbox status || true
if $keep; then
  echo "the sandbox stays up: bin/kovn sandbox status | exec POD -- CMD | kubeconfig | down"
else
  bin/kovn sandbox down
fi
exit $status
