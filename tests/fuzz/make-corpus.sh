#!/bin/bash
# Makes the seed corpora of the fuzz targets (tests/fuzz/corpus/TARGET/)
# from the real collector: dumps of the test programs (plain, compressed,
# context, mini, a syscall issue, a manual capture), the journals of those
# sessions, the rule files of tests/rules, and target memory as the
# capture reads it from a live process, through gdb (the registry, a
# trigger's blobs, the link_map chain).  Needs root (BPF, ptrace) and a
# built tree.  Regression inputs (crash-*, see docs/testing.md) are kept;
# everything else is replaced.
#   usage: tests/fuzz/make-corpus.sh [BUILD_DIR]
set -eu
O=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
corpus=$top/tests/fuzz/corpus
ld=$O/livedump
work=$(mktemp -d /tmp/livedump-corpus.XXXXXX)
trap 'rm -rf "$work"' EXIT
# Dumps carry the environment: the programs get a clean one, so that
# nothing of the shell that ran this lands in the repository.
clean_env=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/nonexistent LANG=C.UTF-8 LIVEDUMP_CORPUS=1)
[ "$(id -u)" = 0 ] || { echo "make-corpus: needs root (BPF and ptrace)" >&2; exit 1; }
command -v gdb >/dev/null || { echo "make-corpus: needs gdb" >&2; exit 1; }

for t in dump core journal rules registry blobs linkmap; do
	mkdir -p "$corpus/$t"
	find "$corpus/$t" -type f ! -name 'crash-*' -delete
done

# session NAME RULE PROG ARGS...: one record session in its own directory;
# its dump becomes dump/NAME.core, its journal journal/NAME.jsonl.
session() {
	local name=$1 rule=$2 dir=$work/$1 d
	shift 2
	mkdir -m 0700 "$dir"
	"${clean_env[@]}" "$ld" -q record -o "$dir" -e "$rule" -- "$@" >"$dir.log" 2>&1 ||
		{ cat "$dir.log" >&2; echo "make-corpus: record '$rule' failed" >&2; exit 1; }
	d=$(find "$dir" -maxdepth 1 -name '*.core' | head -1)
	[ -n "$d" ] || { cat "$dir.log" >&2; echo "make-corpus: no dump from '$rule'" >&2; exit 1; }
	cp "$d" "$corpus/dump/$name.core"
	cat "$dir"/journal-*.jsonl >"$corpus/journal/$name.jsonl"
}

regions=$O/tests/trigger_regions_static
session app-mini 'mini on app capture mini stack=4K history=32' "$regions"
session app-context 'ctx on app capture context history=64' "$regions"
session app-mini-gz 'gz on app capture mini stack=4K compress=zlib' "$regions"
session app-mini-zstd 'zs on app capture mini stack=4K compress' "$regions"
session syscall-context 'enoent on syscall name=openat errno=ENOENT capture context history=16' \
	"$O/tests/syscalls_static"
session syscall-mini 'slow on syscall name=nanosleep,clock_nanosleep latency>100ms capture mini stack=4K' \
	"$O/tests/syscalls_static"

# A block error (a loop device over a full tmpfs): the kernel's notes,
# typed kernel objects with their BTF (LD_NT_KOBJ), D-state tasks, the
# disk and the kernel log.
mkdir "$work/tiny"
mount -t tmpfs -o size=1m tmpfs "$work/tiny"
truncate -s 64M "$work/tiny/backing"
loopdev=$(losetup -f --show "$work/tiny/backing")
session block-kobj 'ioerr on block error=ENOSPC,EIO capture context history=8 limit 1' \
	sh -c "dd if=/dev/zero of=$loopdev bs=64k count=64 oflag=direct 2>/dev/null; exit 0"
losetup -d "$loopdev"
umount "$work/tiny"

# A failed write's struct file and the dentry followed from it (LD_NT_KOBJ
# entries with parents and vias, format 1.8).
session syscall-kobj 'full on syscall name=write errno=ENOSPC capture context limit 1' \
	sh -c "dd if=/dev/zero of=/dev/full bs=1k count=1 2>/dev/null; exit 0"

# A manual capture of a plain process, compressed.
"${clean_env[@]}" sleep 30 &
sleeper=$!
mkdir -m 0700 "$work/manual"
"$ld" -q capture -p "$sleeper" --compress=zlib -o "$work/manual" >/dev/null
cp "$work"/manual/*.core "$corpus/dump/manual-gz.core"
rm "$work"/manual/*.core
"$ld" -q capture -p "$sleeper" --compress=zstd -o "$work/manual" >/dev/null
kill "$sleeper"
cp "$work"/manual/*.core "$corpus/dump/manual-zstd.core"
# A dump someone compressed with zstd: a foreign stream, decompressed whole.
zstd -q -c "$corpus/dump/app-context.core" >"$corpus/dump/app-context-zstd-stream.core"

# The crash path reads ELF cores: the plain dumps are ones (the kernel's
# notes, then PT_LOADs), small enough to fuzz.
for f in app-mini syscall-mini; do cp "$corpus/dump/$f.core" "$corpus/core/$f.core"; done

# The rule files of the parser's own tests.
for f in "$top"/tests/rules/*/*.rules "$top"/tests/rules/invalid.txt; do
	cp "$f" "$corpus/rules/$(basename "$(dirname "$f")")-$(basename "$f")"
done

# Target memory (fuzz.h's chunks), read by gdb from a process stopped in
# livedump__fire() as the capture would read it: the registry at its
# symbol, and the trigger's blob descriptors with the tags and data they
# point to.
cat >"$work/mem.py" <<'EOF'
import struct
import gdb

def chunk(addr, data):
    return struct.pack('<QI', addr, len(data)) + bytes(data)

def mem(addr, size):
    return gdb.selected_inferior().read_memory(addr, size).tobytes()

reg = gdb.parse_and_eval('&livedump_registry')
size = int(gdb.parse_and_eval('sizeof(livedump_registry)'))
with open(OUT + '/registry', 'wb') as f:
    f.write(chunk(int(reg), mem(int(reg), size)))
req = gdb.parse_and_eval('(struct ld_trigger_req *)$rdi')
descs, n = int(req['blobs']), int(req['nblobs'])
blob = mem(descs, 24 * n)
parts = [chunk(descs, blob)]
for i in range(n):
    tag, data, length = struct.unpack_from('<QQQ', blob, 24 * i)
    parts.append(chunk(tag, mem(tag, 32)))
    parts.append(chunk(data, mem(data, length)))
with open(OUT + '/blobs', 'wb') as f:
    f.write(b''.join(parts))
EOF
"${clean_env[@]}" gdb -nx -batch -ex 'set auto-load off' -ex "python OUT = '$work'" \
	-ex 'break *livedump__fire' -ex run -ex "source $work/mem.py" -ex kill \
	--args "$O/tests/trigger_regions_static" </dev/null >"$work/gdb.log" 2>&1 ||
	{ cat "$work/gdb.log" >&2; echo "make-corpus: gdb failed" >&2; exit 1; }
for t in registry blobs; do
	[ -s "$work/$t" ] || { cat "$work/gdb.log" >&2; echo "make-corpus: no $t" >&2; exit 1; }
	cp "$work/$t" "$corpus/$t/trigger_regions"
done

# What a mini dump keeps for debuggers, as the capture reads it from a
# dynamically linked process: its auxv (chunk 0), the program headers it
# names, the dynamic section, r_debug, the link_map chain and the names.
"${clean_env[@]}" "$O/tests/trigger_regions" --go "$work/never" >"$work/tr.out" 2>&1 &
prog=$!
for i in $(seq 100); do grep -q '^pid' "$work/tr.out" && break; sleep 0.05; done
cat >"$work/linkmap.py" <<'EOF'
import struct
import gdb

def mem(addr, size):
    return gdb.selected_inferior().read_memory(addr, size).tobytes()

def chunk(addr, data):
    return struct.pack('<QI', addr, len(data)) + bytes(data)

pid = gdb.selected_inferior().pid
auxv = open('/proc/%d/auxv' % pid, 'rb').read()
at = dict(struct.iter_unpack('<QQ', auxv))
phdr, phnum = at[3], at[5]
ph = mem(phdr, 56 * phnum)
parts = [chunk(0, auxv), chunk(phdr, ph)]
bias, dyn = 0, None
for i in range(phnum):
    p_type, _, _, p_vaddr, _, _, p_memsz, _ = struct.unpack_from('<IIQQQQQQ', ph, 56 * i)
    if p_type == 6:
        bias = phdr - p_vaddr
    if p_type == 2:
        dyn = (p_vaddr, p_memsz)
dynaddr = dyn[0] + bias
dynbytes = mem(dynaddr, dyn[1])
parts.append(chunk(dynaddr, dynbytes))
for tag, val in struct.iter_unpack('<qQ', dynbytes):
    if tag == 21:
        rd = mem(val, 40)
        parts.append(chunk(val, rd))
        lm = struct.unpack_from('<Q', rd, 8)[0]
        while lm:
            l = mem(lm, 40)
            parts.append(chunk(lm, l))
            name = struct.unpack_from('<Q', l, 8)[0]
            if name:
                s = mem(name, 256)
                parts.append(chunk(name, s[:s.index(b'\0') + 1]))
            lm = struct.unpack_from('<Q', l, 24)[0]
with open(OUT + '/linkmap', 'wb') as f:
    f.write(b''.join(parts))
EOF
"${clean_env[@]}" gdb -nx -batch -ex 'set auto-load off' -ex "python OUT = '$work'" -p "$prog" \
	-ex "source $work/linkmap.py" >"$work/gdb2.log" 2>&1 || true
kill "$prog"
[ -s "$work/linkmap" ] || { cat "$work/gdb2.log" >&2; echo "make-corpus: no linkmap" >&2; exit 1; }
cp "$work/linkmap" "$corpus/linkmap/trigger_regions"

du -sh "$corpus"/* | sed 's/^/make-corpus: /'
du -sh "$corpus" | sed 's/^/make-corpus: total /'
