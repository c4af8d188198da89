#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root) and runs every kovn test: unit tests and the integration tests
# that start real ovsdb-server / ovn-northd / ovs-vswitchd / ovn-controller daemons in network namespaces.
#
#   scripts/test.sh [MAVEN ARGS...]          the whole suite (mvn verify)
#   scripts/test.sh --image [IMG]            builds the image (scripts/build-image.sh) and runs the sandbox's demo
#                                            matrix and pod traffic checks with every node's OVS and ovn-controller
#                                            as containers of it (kovn sandbox up --image), and the --ha --tls suite
#                                            with its nodes from the image (--image --tls); not part of CI
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = --image ]; then
  image=${2:-localhost/kovn:dev}
  mvn -B -ntp -q -DskipTests package -pl cli -am
  ./scripts/build-image.sh --tag "$image"
  exec mvn -B -ntp -pl sandbox -am verify -Dkovn.e2e.image="$image" \
    -Dtest='ImageSandboxE2ETest,DemoE2ETest,PodNetworkE2ETest,ServiceE2ETest,TlsSandboxE2ETest' \
    -Dsurefire.failIfNoSpecifiedTests=false
fi
./scripts/install-deps.sh
mvn -B -ntp verify "$@"
