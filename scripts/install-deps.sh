#!/usr/bin/env bash
# Installs everything kovn needs to build and run its integration tests on Debian 12 (run as root).
# Idempotent: installs only what is missing, runs `apt-get update` only then. The distro's OVS/OVN
# services are never left running: kovn and its tests start their own daemons, and a system
# ovsdb-server/ovn-northd would compete for the default sockets and confuse debugging.
set -euo pipefail

log() { echo "install-deps: $*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: must run as root (apt-get install)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive

packages=(maven openvswitch-switch openvswitch-common ovn-central ovn-host ovn-common python3-openvswitch
  iproute2 ethtool iputils-ping tcpdump busybox netcat-openbsd containernetworking-plugins procps openssl iptables
  gcc libc6-dev  # gcc: the CNI plugin's small native library (cni/src/main/c)
  graphviz  # dot: kovn topology --format svg, and its test
  python3-neutron)  # a real OpenStack neutron-server (ML2/OVN) for underlay mode's Neutron back end, its IT and e2e
# A JDK 17 from elsewhere (e.g. a CI image) is fine; Maven needs javac, not just java.
if ! { command -v javac >/dev/null && javac -version 2>&1 | grep -q '^javac 17'; }; then
  packages=(openjdk-17-jdk-headless "${packages[@]}")
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  log "all packages already installed"
else
  # policy-rc.d exit 101 tells invoke-rc.d/deb-systemd-invoke not to start services from postinst.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  log "installing: ${missing[*]}"
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
  log "installed: ${missing[*]}"
fi

# Stop and disable the distro services in case something started them anyway.
services=(ovn-host ovn-central openvswitch-switch)
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  for s in "${services[@]}"; do
    if systemctl is-active --quiet "$s" 2>/dev/null; then
      systemctl stop "$s" 2>/dev/null && log "stopped $s" || log "could not stop $s (ignored)"
    fi
    if systemctl is-enabled --quiet "$s" 2>/dev/null; then
      systemctl disable "$s" 2>/dev/null && log "disabled $s" || log "could not disable $s (ignored)"
    fi
  done
else
  # No systemd: the sysvinit scripts keep pidfiles under /run; only stop what is actually running.
  running() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
  if running /run/ovn/ovn-controller.pid; then
    /usr/share/ovn/scripts/ovn-ctl stop_controller >/dev/null 2>&1 && log "stopped system ovn-controller" \
      || log "could not stop ovn-controller (ignored)"
  fi
  if running /run/ovn/ovn-northd.pid || running /run/ovn/ovnnb_db.pid || running /run/ovn/ovnsb_db.pid; then
    # stop_northd also stops the NB/SB ovsdb-servers that ovn-ctl manages
    /usr/share/ovn/scripts/ovn-ctl stop_northd >/dev/null 2>&1 && log "stopped system ovn-northd and NB/SB databases" \
      || log "could not stop ovn-northd (ignored)"
  fi
  if running /run/openvswitch/ovs-vswitchd.pid || running /run/openvswitch/ovsdb-server.pid; then
    /usr/share/openvswitch/scripts/ovs-ctl stop >/dev/null 2>&1 && log "stopped system ovs-vswitchd/ovsdb-server" \
      || log "could not stop openvswitch (ignored)"
  fi
fi
# kubectl is not a Debian 12 package; the image the suite runs on has it in /usr/bin. The sandbox's kubectl
# tests (SandboxApiServerTest, NewcomerKubectlE2ETest) need it and fail, naming it, where it is missing.
if [ -x /usr/bin/kubectl ]; then
  log "kubectl: $(/usr/bin/kubectl version --client 2>/dev/null | head -1)"
else
  log "kubectl: not found in /usr/bin: the sandbox's kubectl tests will fail (install kubectl 1.30 or later there)"
fi
log "done; no distro OVS/OVN service left running"
