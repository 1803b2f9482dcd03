/* rig_target.h - what startup.c, syscalls.c and rig.c share on the target:
 * the semihosting call, the linker-script symbols and the rig's exit codes.
 * Not for test programs: they include rig.h. */
#ifndef ONNX2MCU_RIG_TARGET_H
#define ONNX2MCU_RIG_TARGET_H

#include <stdint.h>

/* Exit codes of the runtime itself; any other code is main()'s return value. */
#define RIG_EXIT_FAULT 70 /* a fault, abort() or a failed assert() */
#define RIG_EXIT_HEAP 71  /* malloc/new reached _sbrk: there is no heap */

/* Arm semihosting operations used (numbers from the Arm semihosting spec). */
#define SH_WRITEC 0x03
#define SH_WRITE0 0x04
#define SH_EXIT_EXTENDED 0x20
#define SH_APPLICATION_EXIT 0x20026u /* ADP_Stopped_ApplicationExit */

/* On M-profile cores the semihosting trap is BKPT 0xAB with the operation in
 * r0 and its argument in r1; QEMU (-semihosting-config) services it. */
static inline int semihost(int op, const void *arg) {
  register int r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

/* Painted over the unused stack at reset, so the deepest use can be found. */
#define RIG_STACK_PAINT 0xA5A5A5A5u

/* From link-common.ld. */
extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[];
extern uint32_t _sstack[], _estack[];

#endif
