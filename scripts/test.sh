#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root) and runs every kovn test: unit tests and the integration tests
# that start real ovsdb-server / ovn-northd / ovs-vswitchd / ovn-controller daemons in network namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
mvn -B -ntp verify "$@"
