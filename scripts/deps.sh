#!/bin/sh
# Installs the Debian packages livedump needs, if missing.
#   scripts/deps.sh       to build and test (make, make test)
#   scripts/deps.sh man   to build the man pages (make install)
#   scripts/deps.sh deb   to build, check and install the packages (make deb,
#                         tests/integration/test_package.sh)
set -e
case "${1:-}" in
"")
	pkgs="make gcc clang llvm libbpf-dev bpftool libelf-dev libdw-dev zlib1g-dev libzstd-dev
	      libcmocka-dev libclang-rt-dev pkg-config gdb elfutils binutils jq systemtap-sdt-dev procps
	      libmicrohttpd-dev libdebuginfod-dev prometheus debuginfod
	      libcurl4-openssl-dev libssl-dev libxml2-dev curl ceph-mon ceph-osd radosgw" ;;
man)
	pkgs="pandoc" ;;
deb)
	pkgs="make gcc clang libbpf-dev bpftool libelf-dev libdw-dev zlib1g-dev libzstd-dev pkg-config
	      libmicrohttpd-dev libdebuginfod-dev libcurl4-openssl-dev libssl-dev libxml2-dev pandoc debhelper dpkg-dev fakeroot lintian systemd man-db bash-completion" ;;
*)
	echo "usage: scripts/deps.sh [man|deb]" >&2
	exit 2 ;;
esac
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
# busybox: its httpd is the real daemon the crash test kills (either package will do).
[ -n "${1:-}" ] || command -v busybox >/dev/null 2>&1 || [ -x /bin/busybox ] || missing="$missing busybox"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "livedump: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "livedump: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
