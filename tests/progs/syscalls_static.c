// SPDX-License-Identifier: MIT
/* The syscall test program, static: no dynamic loader searching for libraries. */
#include "syscalls.c"
