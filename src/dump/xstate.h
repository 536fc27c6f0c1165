/* SPDX-License-Identifier: MIT */
/*
 * The NT_X86_XSTATE note as debuggers read it.  A core's XSAVE area does
 * not say where each component lies: gdb and lldb take XCR0 from bytes
 * 464..471 (the software-reserved words the kernel fills) and assume the
 * size and the offsets Intel's CPUs use for those features.  The area the
 * kernel gives (PTRACE_GETREGSET, or its own core) is in the CPU's
 * standard format instead: other offsets on AMD (no MPX hole), and AMX's
 * tiles or APX after them, which no gdb reads.  ld_xstate_for_core()
 * rewrites it as gdb's gcore does: the components gdb knows, at Intel's
 * offsets, with XCR0, XSTATE_BV and the size agreeing.
 */
#ifndef LIVEDUMP_XSTATE_H
#define LIVEDUMP_XSTATE_H

#include <stddef.h>
#include <stdint.h>

/* The XSAVE components gdb reads in a core: x87 (0) to PKRU (9). */
#define LD_XSAVE_NCOMP	10

/* Where a standard-format XSAVE area puts one component. */
struct ld_xsave_comp {
	uint32_t offset, size;	/* 0, 0: the CPU does not have it */
};

/* This CPU's layout, from CPUID leaf 0xD (all zero off x86). */
void ld_xsave_cpu_layout(struct ld_xsave_comp comp[LD_XSAVE_NCOMP]);

/*
 * The XSAVE area @src (@len bytes, laid out as @comp says) in the layout
 * gdb reads; *out is malloc'd (*outlen bytes).  An area too short to hold
 * the XSAVE header is copied unchanged.  0 or -ENOMEM.
 */
int ld_xstate_for_core(const void *src, size_t len, const struct ld_xsave_comp comp[LD_XSAVE_NCOMP],
		       void **out, size_t *outlen);

/* Bytes of the rewritten area for @xcr0's features gdb knows (576 at least). */
size_t ld_xstate_core_size(uint64_t xcr0);

#endif
