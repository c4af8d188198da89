#!/usr/bin/env bash
# The floor of the CNI benchmark: the plumbing of one pod ADD by hand, one ip / ethtool / ovs-vsctl command per
# step, as a plain script would do it; with CREATE_LSP=1 it first creates the logical switch port with
# ovn-nbctl (the controller's part, done before ADD otherwise). The port is bound by iface-id and iface-id-ver
# (the pod's uid), as kovn's agent binds it: ovn-controller binds no interface whose iface-id-ver differs. Host commands run in NODE_NETNS (the node).
set -euo pipefail
host() { nsenter --net="$NODE_NETNS" "$@"; }
pod() { nsenter --net="$POD_NETNS" "$@"; }
if [ "${CREATE_LSP:-0}" = 1 ]; then
  ovn-nbctl --db="$NB" lsp-add "$SWITCH" "$IFACE_ID" -- lsp-set-addresses "$IFACE_ID" "$MAC ${IP%/*}" \
    -- lsp-set-port-security "$IFACE_ID" "$MAC ${IP%/*}" -- lsp-set-options "$IFACE_ID" iface-id-ver="$IFACE_ID_VER"
fi
host ip link add "$HOST_VETH" mtu "$MTU" type veth peer name "$IFNAME" mtu "$MTU" address "$MAC" netns "$POD_NETNS"
host ip link set "$HOST_VETH" up
pod ip addr add "$IP" dev "$IFNAME"
pod ip link set "$IFNAME" up
pod ip route add default via "$GW" dev "$IFNAME"
pod ethtool -K "$IFNAME" tx off >/dev/null
ovs-vsctl --db="$OVSDB" add-port br-int "$HOST_VETH" -- set interface "$HOST_VETH" external_ids:iface-id="$IFACE_ID" \
  external_ids:iface-id-ver="$IFACE_ID_VER"
ovs-vsctl --db="$OVSDB" --timeout=30 wait-until interface "$HOST_VETH" external_ids:ovn-installed=true
