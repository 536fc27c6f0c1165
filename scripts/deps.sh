#!/bin/sh
# Installs the Debian packages livedump needs to build and test, if missing.
set -e
pkgs="make gcc clang llvm libbpf-dev bpftool libelf-dev libdw-dev zlib1g-dev
      libcmocka-dev pkg-config gdb elfutils binutils jq systemtap-sdt-dev procps"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
# busybox: its httpd is the real daemon the crash test kills (either package will do).
command -v busybox >/dev/null 2>&1 || [ -x /bin/busybox ] || missing="$missing busybox"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "livedump: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "livedump: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
