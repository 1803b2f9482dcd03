/* rig_host.c - rig.h for a Linux host build of the same program, to compare
 * output with the target and to use valgrind on it. Region markers do nothing
 * unless built with -DRIG_CALLGRIND_REGIONS: then they toggle callgrind's
 * collection, so that
 *   valgrind --tool=callgrind --collect-atstart=no ./prog
 * counts only the instructions inside the regions. */
#include <stdio.h>

#include "rig.h"

#ifdef RIG_CALLGRIND_REGIONS
#include <valgrind/callgrind.h> /* Debian package valgrind */
#define REGION_TOGGLE() CALLGRIND_TOGGLE_COLLECT
#else
#define REGION_TOGGLE() ((void)0)
#endif

void rig_puts(const char *s) { fputs(s, stdout); }
void rig_put_int(long v) { printf("%ld", v); }

/* noinline: keeps them visible to valgrind's --toggle-collect by name too */
__attribute__((noinline)) void rig_region_begin(void) { REGION_TOGGLE(); }
__attribute__((noinline)) void rig_region_end(void) { REGION_TOGGLE(); }

unsigned rig_stack_peak(void) { return 0; }
