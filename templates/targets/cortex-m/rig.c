/* rig.c - rig.h on the target: output through semihosting, the region
 * markers count-insns.sh looks up by name, and the stack high-water mark. */
#include "rig.h"
#include "rig_target.h"

void rig_puts(const char *s) { semihost(SH_WRITE0, s); }

void rig_put_int(long v) {
  char buf[24];
  char *p = buf + sizeof buf;
  /* negate in unsigned arithmetic so that LONG_MIN prints too */
  unsigned long u = v < 0 ? 0ul - (unsigned long)v : (unsigned long)v;
  *--p = '\0';
  do {
    *--p = (char)('0' + u % 10u);
    u /= 10u;
  } while (u);
  if (v < 0) *--p = '-';
  rig_puts(p);
}

/* noipa: each marker must stay a separate, real function (not inlined,
 * cloned or folded into its identical twin) for the counter to find it. */
__attribute__((noipa)) void rig_region_begin(void) { __asm__ volatile("" ::: "memory"); }
__attribute__((noipa)) void rig_region_end(void) { __asm__ volatile("" ::: "memory"); }

unsigned rig_stack_peak(void) {
  const uint32_t *p = _sstack; /* the stack grows down towards _sstack */
  while (p < _estack && *p == RIG_STACK_PAINT) ++p;
  return (unsigned)((uintptr_t)_estack - (uintptr_t)p);
}
