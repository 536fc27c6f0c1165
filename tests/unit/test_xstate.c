// SPDX-License-Identifier: MIT
/*
 * NT_X86_XSTATE as gdb reads it (dump/xstate.h): an AMD-layout area (no
 * MPX hole, PKRU at 2432) and an Intel area with AMX tiles both come out at
 * Intel's offsets with XCR0, XSTATE_BV and the size gdb expects for them;
 * an Intel area of the features gdb knows comes out byte for byte; short
 * areas pass unchanged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "dump/xstate.h"

#define XCR0_OFF	464
#define BV_OFF		512

static const struct ld_xsave_comp intel[LD_XSAVE_NCOMP] = {
	[2] = { 576, 256 }, [3] = { 960, 64 }, [4] = { 1024, 64 }, [5] = { 1088, 64 },
	[6] = { 1152, 512 }, [7] = { 1664, 1024 }, [9] = { 2688, 8 },
};
/* Zen 4: AVX-512 right after AVX, PKRU after it. */
static const struct ld_xsave_comp amd[LD_XSAVE_NCOMP] = {
	[2] = { 576, 256 }, [5] = { 832, 64 }, [6] = { 896, 512 }, [7] = { 1408, 1024 },
	[9] = { 2432, 8 },
};

static uint64_t get64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void put64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* An area of @len bytes laid out by @lay, each component (as far as it fits) filled with its number. */
static unsigned char *area(const struct ld_xsave_comp *lay, size_t len, uint64_t xcr0, uint64_t bv)
{
	unsigned char *a = calloc(1, len);

	assert_non_null(a);
	memset(a, 0xee, 464);				/* the FXSAVE image */
	put64(a + XCR0_OFF, xcr0);
	put64(a + BV_OFF, bv);
	for (unsigned i = 2; i < LD_XSAVE_NCOMP; i++)
		if (lay[i].size && (xcr0 >> i & 1) && lay[i].offset < len)
			memset(a + lay[i].offset, i, lay[i].offset + lay[i].size <= len ?
			       lay[i].size : len - lay[i].offset);
	return a;
}

static void assert_comp(const unsigned char *x, unsigned i)
{
	for (uint32_t k = 0; k < intel[i].size; k++)
		assert_int_equal(x[intel[i].offset + k], i);
}

static void test_amd_to_intel(void **state)
{
	uint64_t xcr0 = 0x2e7;	/* x87 SSE AVX opmask ZMM_Hi256 Hi16_ZMM PKRU */
	unsigned char *a = area(amd, 2440, xcr0, 0x2a3);
	void *out;
	size_t len;

	(void)state;
	assert_int_equal(ld_xstate_for_core(a, 2440, amd, &out, &len), 0);
	assert_int_equal(len, 2696);
	assert_int_equal(get64((unsigned char *)out + XCR0_OFF), xcr0);
	assert_int_equal(get64((unsigned char *)out + BV_OFF), 0x2a3);
	assert_memory_equal(out, a, 464);
	for (unsigned i = 2; i < LD_XSAVE_NCOMP; i++)
		if (xcr0 >> i & 1)
			assert_comp(out, i);
	/* The MPX hole stays zero. */
	for (uint32_t k = 960; k < 1088; k++)
		assert_int_equal(((unsigned char *)out)[k], 0);
	free(out);
	free(a);
}

/* Without PKRU (this VM's Zen 4): 2688 bytes, as gdb expects for AVX-512. */
static void test_amd_no_pkru(void **state)
{
	unsigned char *a = area(amd, 2432, 0xe7, 0xe7);
	void *out;
	size_t len;

	(void)state;
	assert_int_equal(ld_xstate_for_core(a, 2432, amd, &out, &len), 0);
	assert_int_equal(len, 2688);
	assert_int_equal(len, ld_xstate_core_size(0xe7));
	assert_int_equal(get64((unsigned char *)out + XCR0_OFF), 0xe7);
	assert_comp(out, 5);
	assert_comp(out, 7);
	free(out);
	free(a);
}

/* Intel with AMX: the tiles (17, 18) go, XCR0 and XSTATE_BV say so. */
static void test_intel_amx(void **state)
{
	uint64_t xcr0 = 0x602e7;
	unsigned char *a = area(intel, 11008, xcr0, 0x602e7);
	void *out;
	size_t len;

	(void)state;
	memset(a + 2752, 0x77, 11008 - 2752);	/* TILECFG, TILEDATA */
	assert_int_equal(ld_xstate_for_core(a, 11008, intel, &out, &len), 0);
	assert_int_equal(len, 2696);
	assert_int_equal(get64((unsigned char *)out + XCR0_OFF), 0x2e7);
	assert_int_equal(get64((unsigned char *)out + BV_OFF), 0x2e7);
	assert_memory_equal((unsigned char *)out + 576, a + 576, 2696 - 576);
	free(out);
	free(a);
}

/* What gdb already reads is kept as it is. */
static void test_intel_identity(void **state)
{
	unsigned char *a = area(intel, 2696, 0x2ff, 0x2a7);
	void *out;
	size_t len;

	(void)state;
	assert_int_equal(ld_xstate_for_core(a, 2696, intel, &out, &len), 0);
	assert_int_equal(len, 2696);
	assert_memory_equal(out, a, 2696);
	free(out);
	free(a);
}

/* A component the source does not hold in full is left out, not read past the end. */
static void test_truncated(void **state)
{
	unsigned char *a = area(intel, 2688, 0x2e7, 0x2e7);
	void *out;
	size_t len;

	(void)state;
	assert_int_equal(ld_xstate_for_core(a, 2688, intel, &out, &len), 0);
	assert_int_equal(len, 2688);
	assert_int_equal(get64((unsigned char *)out + XCR0_OFF), 0xe7);
	free(out);
	free(a);
}

static void test_short_unchanged(void **state)
{
	unsigned char a[512];
	void *out;
	size_t len;

	(void)state;
	memset(a, 0x5a, sizeof(a));
	assert_int_equal(ld_xstate_for_core(a, sizeof(a), intel, &out, &len), 0);
	assert_int_equal(len, sizeof(a));
	assert_memory_equal(out, a, sizeof(a));
	free(out);
}

/* This CPU's own layout puts AVX where every CPU does. */
static void test_cpu_layout(void **state)
{
	struct ld_xsave_comp c[LD_XSAVE_NCOMP];

	(void)state;
	ld_xsave_cpu_layout(c);
#if defined(__x86_64__)
	if (c[2].size) {
		assert_int_equal(c[2].offset, 576);
		assert_int_equal(c[2].size, 256);
	}
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amd_to_intel),
		cmocka_unit_test(test_amd_no_pkru),
		cmocka_unit_test(test_intel_amx),
		cmocka_unit_test(test_intel_identity),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_short_unchanged),
		cmocka_unit_test(test_cpu_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
