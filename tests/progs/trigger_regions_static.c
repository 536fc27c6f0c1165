// SPDX-License-Identifier: MIT
/* The same program, linked statically with liblivedump.a. */
#include "trigger_regions.c"
