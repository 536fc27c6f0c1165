// SPDX-License-Identifier: MIT
/*
 * NT_X86_XSTATE in the layout gdb reads (see xstate.h): the CPU's
 * standard-format XSAVE area, moved component by component to the offsets
 * gdb assumes, XCR0 and XSTATE_BV cut to what the note then holds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#include "dump/xstate.h"

#define HEADER_END	576	/* XSAVE header: XSTATE_BV, XCOMP_BV, reserved */
#define SW_XCR0_OFF	464	/* FXSAVE's software bytes: the kernel writes XCR0 there */
#define XSTATE_BV_OFF	512

enum xfeature {
	XF_X87, XF_SSE, XF_AVX, XF_BNDREGS, XF_BNDCSR, XF_OPMASK, XF_ZMM_HI256,
	XF_HI16_ZMM, XF_PT, XF_PKRU,
	XF__COUNT
};
_Static_assert(XF__COUNT == LD_XSAVE_NCOMP, "one layout entry per component gdb reads");

#define BIT(f)		(1ULL << (f))
#define LEGACY_MASK	(BIT(XF_X87) | BIT(XF_SSE))

/*
 * Intel's standard-format offsets, which gdb (i387_guess_xsave_layout,
 * i387_fallback_xsave_layout), gcore and lldb take for granted.  Features
 * not here (AMX tiles, APX...) have no register in gdb's view of a core.
 */
static const struct ld_xsave_comp gdb_layout[XF__COUNT] = {
	[XF_AVX]	= { 576, 256 },
	[XF_BNDREGS]	= { 960, 64 },
	[XF_BNDCSR]	= { 1024, 64 },
	[XF_OPMASK]	= { 1088, 64 },
	[XF_ZMM_HI256]	= { 1152, 512 },
	[XF_HI16_ZMM]	= { 1664, 1024 },
	[XF_PKRU]	= { 2688, 8 },
};

/*
 * The size gdb expects for an XCR0: that of the last feature group it has,
 * as its X86_XSTATE_SIZE() says.  Any other size is "unexpected" to it.
 */
static const struct {
	uint64_t mask;
	size_t size;
} core_sizes[] = {
	{ BIT(XF_PKRU), 2696 },
	{ BIT(XF_OPMASK) | BIT(XF_ZMM_HI256) | BIT(XF_HI16_ZMM), 2688 },
	{ BIT(XF_BNDREGS) | BIT(XF_BNDCSR), 1088 },
	{ BIT(XF_AVX), 832 },
};

size_t ld_xstate_core_size(uint64_t xcr0)
{
	for (size_t i = 0; i < sizeof(core_sizes) / sizeof(core_sizes[0]); i++)
		if (xcr0 & core_sizes[i].mask)
			return core_sizes[i].size;
	return HEADER_END;
}

void ld_xsave_cpu_layout(struct ld_xsave_comp comp[LD_XSAVE_NCOMP])
{
	memset(comp, 0, LD_XSAVE_NCOMP * sizeof(*comp));
#if defined(__x86_64__) || defined(__i386__)
	unsigned int eax, ebx, ecx, edx;

	if (__get_cpuid_max(0, NULL) < 0xd)
		return;
	for (unsigned int i = XF_AVX; i < XF__COUNT; i++) {
		if (!__get_cpuid_count(0xd, i, &eax, &ebx, &ecx, &edx))
			return;
		if (ecx & 1)
			continue;	/* supervisor state: never in a user XSAVE area */
		comp[i] = (struct ld_xsave_comp){ .offset = ebx, .size = eax };
	}
#endif
}

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void put64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

int ld_xstate_for_core(const void *src, size_t len, const struct ld_xsave_comp comp[LD_XSAVE_NCOMP],
		       void **out, size_t *outlen)
{
	const unsigned char *s = src;
	uint64_t xcr0, keep = LEGACY_MASK;
	unsigned char *d;
	size_t size;

	if (len < HEADER_END) {
		*out = malloc(len ? len : 1);
		if (!*out)
			return -ENOMEM;
		memcpy(*out, src, len);
		*outlen = len;
		return 0;
	}
	xcr0 = get64(s + SW_XCR0_OFF);
	/* A component stays if gdb knows it and the source really holds it where the CPU said. */
	for (unsigned int f = XF_AVX; f < XF__COUNT; f++) {
		const struct ld_xsave_comp *c = &comp[f], *g = &gdb_layout[f];

		if ((xcr0 & BIT(f)) && g->size && c->size == g->size && c->offset >= HEADER_END &&
		    c->offset + (size_t)c->size <= len)
			keep |= BIT(f);
	}
	size = ld_xstate_core_size(keep);
	d = calloc(1, size);
	if (!d)
		return -ENOMEM;
	memcpy(d, s, HEADER_END);
	put64(d + SW_XCR0_OFF, keep);
	put64(d + XSTATE_BV_OFF, get64(s + XSTATE_BV_OFF) & keep);
	put64(d + XSTATE_BV_OFF + 8, 0);	/* XCOMP_BV: the standard format */
	for (unsigned int f = XF_AVX; f < XF__COUNT; f++)
		if (keep & BIT(f))
			memcpy(d + gdb_layout[f].offset, s + comp[f].offset, gdb_layout[f].size);
	*out = d;
	*outlen = size;
	return 0;
}
