#!/bin/bash
# make test-vm: the kernel matrix.  Boots Debian's stock 6.1 cloud kernel
# (linux-image-6.1.0-*-cloud-amd64, which has kprobes and fentry) under qemu
# (TCG, no KVM) with an initramfs that holds the built binaries, the test
# scripts and the tools they use, runs the integration tests there through
# tests/run.sh and prints their summary.  Exits 0 only when the VM finished
# and every test passed or was skipped.  See docs/testing.md.
#
# Usage: scripts/test-vm.sh [BUILD_DIR]          (as root, on Debian 12)
# Environment:
#   VM_FILTER=STR       run only tests whose name contains STR (default: integration/)
#   VM_TIMEOUT=SECS     the whole VM run, boot to power-off (default: 2400)
#   VM_KERNEL_PKG=NAME  kernel package (default: what linux-image-cloud-amd64 depends on,
#                       or the newest one already extracted under BUILD_DIR/vm/kernel)
#   VM_MODULES="a b"    kernel modules loaded in the VM, with their dependencies (default: loop)
#   VM_SMP=N VM_MEM=M   qemu -smp / -m of each VM (default: 2, 2G)
#   VM_SHARDS=N         boot N VMs side by side, each running a share of the tests
#                       (default: the host's CPUs, at most 4; 1 with VM_CMD)
#   VM_ACCEL=ACCEL      qemu -accel (default: tcg,thread=single; see below)
#   VM_APPEND=ARGS      more kernel command-line arguments
#   VM_CMD='...'        run this bash command in the VM instead of the tests (to debug;
#                       the environment is the tests', its exit status is the result)
#   VM_BENCH="PARTS"    run those parts of bench/run.sh in the VM instead of the tests
#                       (e.g. detector; after make bench; the table is on the console)
# Files: BUILD_DIR/vm/kernel/PKG (the extracted .deb, kept as a cache),
#   BUILD_DIR/vm/initrd.img, BUILD_DIR/vm/console-I.log (all of VM I's serial
#   console), BUILD_DIR/vm/test-logs/ (the tests' logs and each VM's dmesg,
#   copied out).
# `scripts/test-vm.sh --seconds [BUILD_DIR]` prints the seconds each test took
# in the last run, in the form of tests/integration/vm-seconds.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = --seconds ]; then
	shift
	cat "${1:-build}"/vm/console-*.log |
		sed -n 's/^\[vm[0-9]*\]   \(PASS\|SKIP\) *integration\/\(test_[a-z0-9_]*\) *\([0-9.]*\)s\{0,1\}.*$/\2 \3/p' |
		awk '{ printf "%s %.0f\n", $1, $2 == "" ? 1 : $2 }' | sort
	exit 0
fi
O=$(cd "${1:-build}" && pwd)
vm=$O/vm
filter=${VM_FILTER-integration/}
# TCG runs the suite 5-10 times slower than the host: about 25 minutes in
# one VM, 13 in each of two side by side (session 6).
timeout_s=${VM_TIMEOUT:-2400}
accel=${VM_ACCEL:-tcg,thread=single}
modules=${VM_MODULES:-loop unix_diag}	# unix_diag: sockets' peers (sock_diag); no modprobe here to load it on demand
export DEBIAN_FRONTEND=noninteractive LC_ALL=C

say() { printf 'test-vm: %s\n' "$*"; }
die() { printf 'test-vm: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (installs packages, builds the initramfs as root)"
[ -x "$O/livedump" ] || die "$O/livedump is missing: run make first"

# ---------------------------------------------------------------- packages
# Host packages: qemu and the initramfs tooling, and every package whose
# programs are copied into the VM.
pkgs="qemu-system-x86 cpio zstd binutils bash coreutils grep sed mawk findutils procps
      util-linux mount jq gdb elfutils bpftool gzip diffutils"
# busybox fills the gaps (insmod, poweroff, ...): the static one unless a busybox is there.
[ -x /bin/busybox ] || pkgs="$pkgs busybox-static"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
apt_updated=0
apt_update() { [ $apt_updated = 1 ] || { apt-get update -qq; apt_updated=1; }; }
if [ -n "$missing" ]; then
	say "installing$missing"
	apt_update
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# ------------------------------------------------------------------ kernel
# The .deb is fetched with apt-get download and extracted into the build
# tree: nothing of the host's boot set-up changes.
kdir=$vm/kernel
pkg=${VM_KERNEL_PKG:-}
meta_dep() {
	apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-6\.1\.0-[0-9]*-cloud-amd64\)$/\1/p' | head -1
}
if [ -z "$pkg" ]; then
	pkg=$(meta_dep)
	[ -n "$pkg" ] || { apt_update; pkg=$(meta_dep); }
	if [ -z "$pkg" ]; then	# no apt answer (offline): a cached kernel will do
		pkg=$(ls -1 "$kdir" 2>/dev/null | sort -V | tail -1)
		[ -n "$pkg" ] || die "cannot tell which linux-image-6.1.0-*-cloud-amd64 to use (set VM_KERNEL_PKG)"
	fi
fi
case $pkg in linux-image-*) ;; *) die "VM_KERNEL_PKG=$pkg is not a linux-image package" ;; esac
if [ ! -e "$kdir/$pkg/.done" ]; then
	say "fetching $pkg"
	rm -rf "$kdir/$pkg" "$vm/debs"
	mkdir -p "$vm/debs" "$kdir/$pkg"
	# apt-get download runs unsandboxed as root here: quiet its warning.
	( cd "$vm/debs" && apt-get download -qq "$pkg" 2>/dev/null ) ||
		{ apt_update; ( cd "$vm/debs" && apt-get download -qq "$pkg" ); } ||
		die "apt-get download $pkg failed"
	dpkg-deb -x "$vm/debs/$pkg"_*.deb "$kdir/$pkg"
	rm -rf "$vm/debs"
	touch "$kdir/$pkg/.done"
fi
kroot=$kdir/$pkg
kver=$(ls -1 "$kroot/lib/modules" | head -1)
vmlinuz=$kroot/boot/vmlinuz-$kver
[ -n "$kver" ] && [ -f "$vmlinuz" ] || die "no kernel in $kroot"

# --------------------------------------------------------------- initramfs
t0=$SECONDS
root=$vm/root
rm -rf "$root"
mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{dev,proc,sys,tmp,run,root,etc,mnt}
for d in bin sbin lib lib64; do ln -s usr/$d "$root/$d"; done	# merged /usr, as on the host
chmod 1777 "$root/tmp"

elfs=()			# every ELF file copied: their libraries are added below
put() {		# put SRC [DEST]: copy a file (symlinks followed) to DEST in the image
	local src=$1 dest=${2:-$1}
	mkdir -p "$root$(dirname "$dest")"
	cp -L "$src" "$root$dest"
	if [ "$(head -c 4 "$src" | od -An -c | tr -d ' ')" = '177ELF' ]; then
		elfs+=("$src")
	fi
}
# Programs of the host, by name, at the path the host has them.
tools="bash sh awk mawk sed grep egrep find xargs pgrep pkill ps kill losetup mount umount
       setpriv taskset jq gdb readelf objdump eu-readelf eu-stack eu-unstrip bpftool gzip zcat zstd
       cmp diff stty base64 tar nproc"
for t in $tools; do
	p=$(command -v "$t" 2>/dev/null) || { say "note: $t is not installed, not in the VM"; continue; }
	[ "$p" = "${p#/}" ] && continue	# a shell builtin
	put "$p"
done
# All of coreutils.
while read -r f; do
	case $f in */bin/*|*/sbin/*) [ -f "$f" ] && put "$f" ;; esac
done < <(dpkg -L coreutils)
# busybox for the init script and anything else: its applets fill the gaps.
bb=/bin/busybox
put "$bb" /usr/lib/busybox/busybox
for a in $("$bb" --list); do
	for d in /usr/bin /usr/sbin; do [ -e "$root$d/$a" ] && continue 2; done
	ln -s ../lib/busybox/busybox "$root/usr/bin/$a"
done
# gdb embeds Python: it needs the standard library (the parts it can use).
pylib=$(ldd "$(command -v gdb)" | sed -n 's/.*libpython\([0-9.]*\)\.so.*/\1/p')
if [ -n "$pylib" ] && [ -d "/usr/lib/python$pylib" ]; then
	( cd / && tar cf - --exclude=test --exclude=idlelib --exclude=tkinter --exclude=lib2to3 \
		--exclude=ensurepip --exclude=pydoc_data --exclude=unittest --exclude='config-*' \
		--exclude=turtledemo --exclude=distutils --exclude=dist-packages --exclude=site-packages \
		--exclude=asyncio --exclude=email --exclude=http --exclude=xml --exclude=xmlrpc \
		--exclude=multiprocessing --exclude=sqlite3 --exclude=dbm --exclude=venv \
		--exclude=wsgiref --exclude=tomllib --exclude=zoneinfo --exclude=idle_test \
		"usr/lib/python$pylib" ) | tar xf - -C "$root"
	for f in "$root/usr/lib/python$pylib"/lib-dynload/*.so; do elfs+=("${f#"$root"}"); done
fi
# gdb's own Python modules, and libthread_db, which gdb loads (not links) to see threads.
mkdir -p "$root/usr/share"
[ -d /usr/share/gdb ] && cp -a /usr/share/gdb "$root/usr/share/"
for f in /lib/x86_64-linux-gnu/libthread_db.so.1 /usr/lib/x86_64-linux-gnu/libthread_db.so.1; do
	[ -e "$f" ] && { put "$f"; break; }
done
# iconv's modules gdb uses to show wide characters (UTF-32), with their index.
gconv=/usr/lib/x86_64-linux-gnu/gconv
if [ -d "$gconv" ]; then
	for f in "$gconv"/gconv-modules "$gconv"/gconv-modules.cache "$gconv"/UTF-32.so "$gconv"/UTF-16.so; do
		[ -e "$f" ] && put "$f"
	done
	[ -d "$gconv/gconv-modules.d" ] && mkdir -p "$root$gconv" && cp -a "$gconv/gconv-modules.d" "$root$gconv/"
fi
printf 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' \
	>"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

# The project: build outputs under /livedump/build, the tests under /livedump/tests.
vtop=/livedump vo=/livedump/build
put "$O/livedump" "$vo/livedump"
for f in "$O"/lib/*; do
	if [ -L "$f" ]; then cp -a "$f" "$root$vo/lib/"; else put "$f" "$vo/lib/$(basename "$f")"; fi
done
for f in "$O"/tests/*; do [ -f "$f" ] && put "$f" "$vo/tests/$(basename "$f")"; done
case $filter in	# unit tests unless only integration tests are run
integration*) ;;
*) for f in "$O"/tests/unit/test_*; do [ -x "$f" ] && put "$f" "$vo/tests/unit/$(basename "$f")"; done ;;
esac
put "$O/examples/demo" "$vo/examples/demo"
if [ -n "${VM_BENCH:-}" ]; then	# the benchmark's programs and script, and the command
	for f in "$O"/bench/*; do [ -f "$f" ] && [ -x "$f" ] && put "$f" "$vo/bench/$(basename "$f")"; done
	mkdir -p "$root$vtop/bench"
	cp "$top/bench/run.sh" "$root$vtop/bench/"
	VM_CMD="PARTS='$VM_BENCH' DIR=/tmp N=${N:-200000} ROUNDS=${ROUNDS:-3} $vtop/bench/run.sh $vo"
fi
mkdir -p "$root$vtop/tests/integration"
cp "$top/tests/lib.sh" "$top/tests/run.sh" "$root$vtop/tests/"
cp "$top"/tests/integration/*.sh "$top"/tests/integration/vm-seconds "$root$vtop/tests/integration/"
# Data files next to the tests (rule corpora, ...), when there are any.
for d in "$top"/tests/*/; do
	case $(basename "$d") in integration|unit|progs) continue ;; esac
	cp -a "$d" "$root$vtop/tests/"
done

# Shared libraries of every ELF file, as ldd resolves them on the host.
declare -A seen=()
for e in "${elfs[@]}"; do
	while read -r lib; do
		[ -n "${seen[$lib]:-}" ] && continue
		case $lib in "$O"/*) continue ;; esac	# the project's own: already there
		seen[$lib]=1
		[ -e "$root$lib" ] || put "$lib"
	done < <(ldd "$e" 2>/dev/null |
		sed -n -e 's/^.* => \(\/[^ ]*\) (0x.*$/\1/p' -e 's/^[[:space:]]*\(\/[^ ]*\) (0x.*$/\1/p')
done

# Their detached debug info, where the host has it (libc6-dbg, ...): the
# tests symbolize libc's frames as they do on the host.
for e in "${elfs[@]}"; do
	id=$(readelf -n "$e" 2>/dev/null | sed -n 's/^ *Build ID: \([0-9a-f]*\)$/\1/p' | head -1)
	dbg=/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
	[ -n "$id" ] && [ -f "$dbg" ] && [ ! -e "$root$dbg" ] && put "$dbg"
done

# Kernel modules and what they depend on, in load order.
modinfo_field() { # .ko field
	readelf -p .modinfo "$1" | sed -n "s/^ *\[ *[0-9a-f]*\] *$2=//p"
}
declare -A mod_done=()
modorder=()
add_module() {
	local name=${1//-/_} ko dep
	[ -n "${mod_done[$name]:-}" ] && return
	mod_done[$name]=1
	ko=$(find "$kroot/lib/modules/$kver" -name "$name.ko" -o -name "${1//_/-}.ko" | head -1)
	if [ -z "$ko" ]; then
		grep -q "/$name.ko" "$kroot/lib/modules/$kver/modules.builtin" 2>/dev/null && return
		die "module $1 not found in $pkg"
	fi
	for dep in $(modinfo_field "$ko" depends | tr ',' ' '); do add_module "$dep"; done
	mkdir -p "$root/lib/modules/$kver"
	cp "$ko" "$root/lib/modules/$kver/"
	modorder+=("/lib/modules/$kver/$(basename "$ko")")
}
for m in $modules; do add_module "$m"; done
printf '%s\n' "${modorder[@]}" >"$root/etc/vm-modules"

cat >"$root/init" <<EOF
#!/bin/sh
# The VM's init (written by scripts/test-vm.sh).
export PATH=/usr/sbin:/usr/bin HOME=/root TERM=dumb LC_ALL=C LD_IN_VM=1
export LD_BUILD=$vo LD_TOP=$vtop
EOF
cat >>"$root/init" <<'EOF'
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
ln -sf /proc/self/fd /dev/fd	# bash process substitution, as udev provides it
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t bpf bpf /sys/fs/bpf
mount -t securityfs securityfs /sys/kernel/security
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing
mount -t cgroup2 cgroup2 /sys/fs/cgroup
# The memory controller for the root's children, as systemd enables it on a
# booted system: a v2 cgroup has the controllers its parent's subtree_control
# gives it, and the root's is empty after the mount, so without this no
# cgroup has memory.max (test_cgroups' OOM in a memory cgroup).
echo +memory >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null ||
	echo "livedump-vm: no memory controller (cgroup.controllers: $(cat /sys/fs/cgroup/cgroup.controllers))"
dmesg -n 1			# kernel messages go to dmesg.txt, not into the summary
hostname livedump-vm
# The loopback interface, as any system has it: tests open TCP and UDP sockets on 127.0.0.1.
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up
while read -r ko; do insmod "$ko" || echo "livedump-vm: insmod $ko failed"; done </etc/vm-modules
echo "livedump-vm: $(uname -r), $(nproc) cpus, $(awk '/MemTotal/ {print $2 / 1024 " MiB"}' /proc/meminfo), booted in $(cut -d' ' -f1 /proc/uptime) s"
"$LD_BUILD/livedump" features
filter=$(cat /etc/vm-filter)
LD_SHARD=$(sed -n 's/^.*livedump\.shard=\([0-9]*\/[0-9]*\).*$/\1/p' /proc/cmdline)
export LD_SHARD
start=$(cut -d' ' -f1 /proc/uptime)
mkdir -p "$LD_BUILD/test-logs"
if [ -s /etc/vm-cmd ]; then
	(cd /tmp && bash /etc/vm-cmd)
else
	bash "$LD_TOP/tests/run.sh" "$LD_BUILD" "$filter"
fi
rc=$?
end=$(cut -d' ' -f1 /proc/uptime)
echo "livedump-vm: tests took $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }') s"
# The logs go out on the second serial port, as a base64 tar.
dmesg >"$LD_BUILD/test-logs/dmesg-${LD_SHARD%/*}.txt"
stty -F /dev/ttyS1 raw -echo 2>/dev/null
{ echo "===begin==="; tar czf - -C "$LD_BUILD" test-logs | base64; echo "===end==="; } >/dev/ttyS1
echo "livedump-vm: tests exit $rc"
sync
poweroff -f
EOF
chmod 755 "$root/init"
printf '%s\n' "$filter" >"$root/etc/vm-filter"
printf '%s' "${VM_CMD:-}" >"$root/etc/vm-cmd"

( cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet -R 0:0 ) | zstd -q -T0 -3 >"$vm/initrd.img.tmp"
mv "$vm/initrd.img.tmp" "$vm/initrd.img"
say "initramfs: $(du -sh "$root" | cut -f1) in $(find "$root" | wc -l) files," \
	"$(du -h "$vm/initrd.img" | cut -f1) compressed, built in $((SECONDS - t0)) s"

# --------------------------------------------------------------------- run
# Under TCG a VM runs on one host thread (see docs/testing.md), so the tests
# are shared among VMs side by side, one per host CPU: tests/run.sh gives
# each its share (LD_SHARD) by the seconds tests/integration/vm-seconds says.
shards=${VM_SHARDS:-$(nproc)}
[ "$shards" -gt 4 ] && shards=4
[ -n "${VM_CMD:-}" ] && shards=1
say "booting $pkg ($kver) under qemu (TCG) in $shards VM(s), timeout ${timeout_s}s"
rm -rf "$vm/test-logs" "$vm"/ttyS1*.txt "$vm"/console*.log
# qboot: a quicker and quieter firmware than SeaBIOS for a -kernel boot.
bios=()
[ -f /usr/share/qemu/qboot.rom ] && bios=(-bios /usr/share/qemu/qboot.rom)
start=$SECONDS
boot() {	# shard: one VM, its console prefixed with [vmI]; leaves its qemu exit in qrc-I
	local i=$1
	set +e
	timeout -k 10 "$timeout_s" qemu-system-x86_64 "${bios[@]}" -accel "$accel" -cpu max -smp "${VM_SMP:-2}" -m "${VM_MEM:-2G}" \
		-nographic -no-reboot -nic none -vga none \
		-kernel "$vmlinuz" -initrd "$vm/initrd.img" \
		-append "console=ttyS0 panic=-1 quiet loglevel=4 mitigations=off livedump.shard=$i/$shards ${VM_APPEND:-}" \
		-serial mon:stdio -serial "file:$vm/ttyS1-$i.txt" </dev/null 2>&1 |
		sed -u -e 's/\r$//' -e 's/\x1bc//g' -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e "s/^/[vm$i] /" |
		tee "$vm/console-$i.log"
	echo "${PIPESTATUS[0]}" >"$vm/qrc-$i"
}
pids=()
for ((i = 0; i < shards; i++)); do
	boot "$i" &
	pids+=($!)
done
wait "${pids[@]}"
elapsed=$((SECONDS - start))
fails=0 npass=0 nfail=0 nskip=0 failed="" skipped="" why=""
for ((i = 0; i < shards; i++)); do
	qrc=$(cat "$vm/qrc-$i" 2>/dev/null || echo '?')
	if [ -s "$vm/ttyS1-$i.txt" ]; then
		mkdir -p "$vm/test-logs"
		tr -d '\r' <"$vm/ttyS1-$i.txt" | sed -n '/^===begin===$/,/^===end===$/p' | sed '1d;$d' |
			base64 -d 2>/dev/null | tar xzf - -C "$vm" 2>/dev/null ||
			say "could not unpack the logs from VM $i"
	fi
	rc=$(sed -n 's/^\[vm[0-9]*\] livedump-vm: tests exit \([0-9]*\)$/\1/p' "$vm/console-$i.log" | tail -1)
	if [ -z "$rc" ]; then
		if [ "$qrc" = 124 ]; then
			say "FAIL: VM $i did not finish within ${timeout_s}s (console: $vm/console-$i.log)"
		else
			say "FAIL: VM $i stopped before the tests finished (qemu exit $qrc; console: $vm/console-$i.log)"
		fi
		fails=$((fails + 1))
		continue
	fi
	[ "$rc" = 0 ] || fails=$((fails + 1))
	read -r p f k < <(sed -n 's/^\[vm[0-9]*\] summary: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' \
		"$vm/console-$i.log" | tail -1) || true
	npass=$((npass + ${p:-0})) nfail=$((nfail + ${f:-0})) nskip=$((nskip + ${k:-0}))
	skipped="$skipped$(sed -n 's/^\[vm[0-9]*\] skipped://p' "$vm/console-$i.log" | tail -1)"
	failed="$failed$(sed -n 's/^\[vm[0-9]*\] failed://p' "$vm/console-$i.log" | tail -1)"
	why="$why$(sed -n 's/^\[vm[0-9]*\] \(why: .*\)$/\1/p' "$vm/console-$i.log" | tr -d '\r')"$'\n'
done
rm -f "$vm"/qrc-*
say "$pkg, $shards VM(s) in ${elapsed}s: $npass passed, $nfail failed, $nskip skipped (logs: $vm/test-logs, consoles: $vm/console-*.log)"
[ -n "$skipped" ] && say "skipped:$skipped"
[ -n "$failed" ] && say "failed:$failed"
while read -r l; do [ -n "$l" ] && say "$l"; done <<<"$why"
[ "$fails" = 0 ]
