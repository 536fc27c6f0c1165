// SPDX-License-Identifier: MIT
/*
 * Test program for the XSAVE note (test_gdb_silent): known values in the
 * vector registers, kept there while the program waits in a loop that
 * calls no function.  With AVX, ymm0 holds 0x11 in every byte (else xmm0
 * does); with AVX-512, zmm17 holds 0x22 in every byte and k1 0x5a5a.
 * Prints "ready avx=0|1 avx512=0|1", then waits for a signal that ends it.
 */
#include <stdio.h>

static const unsigned char y[32] = {
	[0 ... 31] = 0x11,
};
static const unsigned char z[64] = {
	[0 ... 63] = 0x22,
};

int main(void)
{
	int avx = !!__builtin_cpu_supports("avx"), avx512 = !!__builtin_cpu_supports("avx512f");

	printf("ready avx=%d avx512=%d\n", avx, avx512);
	fflush(stdout);
	/* pause(2) until killed: a system call keeps the vector registers. */
	if (avx512)
		__asm__ volatile("vmovdqu64 %0, %%zmm17\n\t"
				 "kmovw %1, %%k1\n\t"
				 "vmovdqu %2, %%ymm0\n"
				 "1:\tmovl $34, %%eax\n\t"
				 "syscall\n\t"
				 "jmp 1b"
				 : : "m"(z), "r"(0x5a5a), "m"(y) : "rax", "rcx", "r11", "memory");
	else if (avx)
		__asm__ volatile("vmovdqu %0, %%ymm0\n"
				 "1:\tmovl $34, %%eax\n\t"
				 "syscall\n\t"
				 "jmp 1b"
				 : : "m"(y) : "rax", "rcx", "r11", "memory");
	else
		__asm__ volatile("movdqu %0, %%xmm0\n"
				 "1:\tmovl $34, %%eax\n\t"
				 "syscall\n\t"
				 "jmp 1b"
				 : : "m"(y) : "rax", "rcx", "r11", "memory");
	return 0;
}
