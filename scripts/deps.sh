#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages xlb needs to build, test and demo.
# A quick no-op when everything is already present.
set -eu

PKGS="clang llvm make gcc pkg-config libbpf-dev libxdp-dev xdp-tools bpftool
libelf-dev zlib1g-dev libjson-c-dev libcmocka-dev libclang-rt-14-dev
iproute2 ethtool tcpdump python3 python3-scapy curl nginx-light haproxy
nftables prometheus prometheus-node-exporter wrk iperf3 gnuplot-nox
groff-base man-db iputils-arping jq"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"ok installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# The packaged services must not run on their own: tests start them in
# namespaces with their own configuration.
for s in nginx haproxy prometheus prometheus-node-exporter; do
	systemctl disable --now "$s" >/dev/null 2>&1 || true
done
exit 0
