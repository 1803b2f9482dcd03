/* rig_target.h - what startup.c, syscalls.c and rig.c share on the target
 * (of both families: ../riscv uses this file too):
 * the semihosting call, the linker-script symbols and the rig's exit codes.
 * Not for test programs: they include rig.h. */
#ifndef ONNX2MCU_RIG_TARGET_H
#define ONNX2MCU_RIG_TARGET_H

#include <stdint.h>
#include <unistd.h> /* _exit, defined in syscalls.c */

#include "rig.h"

/* Exit codes of the runtime itself; any other code is main()'s return value. */
#define RIG_EXIT_FAULT 70 /* a fault, abort() or a failed assert() */
#define RIG_EXIT_HEAP 71  /* malloc/new reached _sbrk: there is no heap */

/* Arm semihosting operations used (numbers from the Arm semihosting spec). */
#define SH_WRITEC 0x03
#define SH_WRITE0 0x04
#define SH_EXIT_EXTENDED 0x20
#define SH_APPLICATION_EXIT 0x20026u /* ADP_Stopped_ApplicationExit */

/* The semihosting trap, with the operation and its argument in the first two
 * argument registers; QEMU (-semihosting-config) services it. This file and
 * rig.c, rig.h, syscalls.c also serve the RISC-V runtime (../riscv). */
#if defined(__riscv)
/* RISC-V: EBREAK between these two no-op shifts, uncompressed and in one
 * page (the RISC-V semihosting spec), operation in a0, argument in a1. A
 * function of its own, 16-byte aligned, so the 12 bytes never straddle a
 * page whatever the link does (an .align inside the sequence breaks linker
 * relaxation). */
__attribute__((naked, noinline, aligned(16), unused)) static int semihost(int op, const void *arg) {
  (void)op; (void)arg;
  __asm__ volatile(".option push\n\t.option norvc\n\t"
                   "slli zero, zero, 0x1f\n\tebreak\n\tsrai zero, zero, 7\n\t"
                   ".option pop\n\tret");
}
#else
/* M-profile: BKPT 0xAB, operation in r0, argument in r1. */
static inline int semihost(int op, const void *arg) {
  register int r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}
#endif

/* Painted over the unused stack at reset, so the deepest use can be found. */
#define RIG_STACK_PAINT 0xA5A5A5A5u

/* From link-common.ld. */
extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[];
extern uint32_t _sstack[], _estack[];
extern void (*__preinit_array_start[])(void), (*__preinit_array_end[])(void);
extern void (*__init_array_start[])(void), (*__init_array_end[])(void);

int main(void);

/* For the fault reports: v as 0x and eight hex digits. */
static inline void rig_put_hex(uint32_t v) {
  char buf[11] = "0x";
  for (int i = 0; i < 8; ++i) buf[2 + i] = "0123456789abcdef"[(v >> (28 - 4 * i)) & 0xFu];
  buf[10] = '\0';
  rig_puts(buf);
}

/* The reset code both families end with, once the core is set up: copy
 * .data, zero .bss, paint the free stack, run the static constructors, then
 * main(), and exit with its value. Inline, so that the paint starts below
 * the caller's frame. */
static inline __attribute__((always_inline, noreturn)) void rig_init_and_run_main(void) {
  for (uint32_t *src = _sidata, *dst = _sdata; dst < _edata;) *dst++ = *src++;
  for (uint32_t *p = _sbss; p < _ebss;) *p++ = 0;

  /* Paint the stack below this frame for rig_stack_peak(). volatile keeps
   * the loop inline: a memset() call would paint over its own frame. */
  uintptr_t sp;
#if defined(__riscv)
  __asm__ volatile("mv %0, sp" : "=r"(sp));
#else
  __asm__ volatile("mov %0, sp" : "=r"(sp));
#endif
  for (volatile uint32_t *p = _sstack; (uintptr_t)p < sp;) *p++ = RIG_STACK_PAINT;

  for (void (**f)(void) = __preinit_array_start; f < __preinit_array_end; ++f) (*f)();
  for (void (**f)(void) = __init_array_start; f < __init_array_end; ++f) (*f)();

  _exit(main());
}

#endif
