#!/usr/bin/env bash
# Builds kovn's container image offline and loads it into local podman: one image for every kovn container
# (controller, node agent, ovs-vswitchd/ovsdb-server, ovn-controller, the OVN databases and ovn-northd).
#
#   scripts/build-image.sh [--tag localhost/kovn:dev] [--check]
#
# Base layer: a Debian 12 root file system made from packages with mmdebstrap (no registry image is needed),
# imported into podman as localhost/kovn-base:<hash of the package list>; it is rebuilt only when the list
# below changes (cache: $KOVN_IMAGE_CACHE, default ~/.cache/kovn-image). Top layer (buildah): kovn under
# /opt/kovn laid out as in a checkout (bin/kovn, bin/kovn-cni, the CLI's jars, the plugin's jar and native
# library), so bin/kovn, bin/kovn-cni and the node agent's plugin install work unchanged. The image is written
# as an OCI archive (target/kovn-image.oci.tar) and loaded into podman. --check then runs `kovn --help`,
# `ovn-controller --version`, `ovs-vswitchd --version` and the CNI plugin's VERSION in it. Needs root,
# mmdebstrap, podman, buildah, runc (apt-get install mmdebstrap podman buildah runc; scripts/install-deps.sh does
# not install them). Measured here: 8.4 min cold (most of it mmdebstrap), 10 s with the base cached; 481 MB.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
tag=localhost/kovn:dev
check=false
while [ $# -gt 0 ]; do
  case $1 in
    --tag) tag=$2; shift 2 ;;
    --check) check=true; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-image: unknown argument $1" >&2; exit 2 ;;
  esac
done

# what the containers run: JRE for kovn, OVS and OVN daemons and tools, ip/ethtool/sysctl/nsenter for the agent
packages=openjdk-17-jre-headless,openvswitch-switch,ovn-central,ovn-host,iproute2,ethtool,procps,kmod,util-linux
cache=${KOVN_IMAGE_CACHE:-$HOME/.cache/kovn-image}
mkdir -p "$cache"
# this machine (and some CI runners) is a container: runc cannot set rlimits there, crun cannot use its cgroups
conf=$cache/containers.conf
[ -f "$conf" ] || printf '[containers]\ndefault_ulimits = []\n' > "$conf"
export CONTAINERS_CONF=$conf
podman_run() { podman --runtime /usr/sbin/runc run --rm "$@"; }

start=$(date +%s)
hash=$(printf '%s\nbookworm\n' "$packages" | sha256sum | cut -c1-12)
base=localhost/kovn-base:$hash
if podman image exists "$base"; then
  echo "base $base: cached"
else
  tar=$cache/base-$hash.tar
  if [ ! -f "$tar" ]; then
    echo "base: mmdebstrap bookworm with $packages"
    # no docs, man pages or translations: a third of the size (man1 must exist: the JRE's postinst links into it)
    # the .tar name tells mmdebstrap to write a tarball (a name without it would be a directory)
    mmdebstrap --quiet --variant=apt --include="$packages" \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --setup-hook='mkdir -p "$1"/usr/share/man/man1' \
      --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' \
      bookworm "$cache/base-$hash.tmp.tar"
    mv "$cache/base-$hash.tmp.tar" "$tar"
  fi
  podman import --quiet "$tar" "$base" >/dev/null
  echo "base $base: built in $(( $(date +%s) - start )) s"
fi

cli=$top/cli/target/kovn-cli.jar
if [ ! -f "$cli" ] || [ ! -f "$top/cni/target/libkovn-cni.so" ]; then
  (cd "$top" && mvn -B -o -q -DskipTests package -pl cli -am)
fi
ctr=$(buildah from --quiet "$base")
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
buildah copy --quiet "$ctr" "$top/bin/kovn" "$top/bin/kovn-cni" /opt/kovn/bin/ >/dev/null
buildah copy --quiet "$ctr" "$cli" /opt/kovn/cli/target/ >/dev/null
buildah copy --quiet "$ctr" "$top/cli/target/lib" /opt/kovn/cli/target/lib/ >/dev/null
buildah copy --quiet "$ctr" "$top/cni/target/kovn-cni.jar" "$top/cni/target/libkovn-cni.so" /opt/kovn/cni/target/ >/dev/null
buildah config --env PATH=/opt/kovn/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --workingdir / --label org.opencontainers.image.title=kovn \
  --label org.opencontainers.image.description="kovn: Kubernetes networking on OVN" "$ctr"
out=$top/target/kovn-image.oci.tar
mkdir -p "$top/target"
rm -f "$out"
buildah commit --quiet --format oci "$ctr" "oci-archive:$out:$tag" >/dev/null
podman load --quiet -i "$out" >/dev/null
elapsed=$(( $(date +%s) - start ))
size=$(podman image inspect --format '{{.Size}}' "$tag")
echo "image $tag: $(( size / 1000000 )) MB, archive $out ($(( $(stat -c %s "$out") / 1000000 )) MB), built in $elapsed s"

if $check; then
  podman_run "$tag" kovn --help | head -3
  podman_run "$tag" ovn-controller --version | head -1
  podman_run "$tag" ovs-vswitchd --version | head -1
  # the plugin as the node agent installs it from the image (its jar and native library next to bin/)
  podman_run -e CNI_COMMAND=VERSION "$tag" kovn-cni </dev/null
  echo
fi
