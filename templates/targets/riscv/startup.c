/* startup.c - what an RV32 core runs from reset to main() and after a trap:
 * _start, the reset code and the trap handler, for both boards in
 * boards.txt. The rest of the runtime (rig.c, syscalls.c, rig.h,
 * rig_target.h) is shared with ../cortex-m. */
#include <stdint.h>
#include <unistd.h> /* _exit, defined in syscalls.c */

#include "rig.h"
#include "rig_target.h"

#define MSTATUS_FS_INITIAL (1u << 13)

/* The boards' -march names no Zicsr (picolibc's multilibs are rv32imac and
 * rv32imafc), so the CSR instructions enable it for themselves. */
#define CSR_ASM(insn) ".option push\n\t.option arch, +zicsr\n\t" insn "\n\t.option pop"

void rig_reset(void) __attribute__((noreturn, used));
void rig_fault_report(const uint32_t *sp) __attribute__((noreturn, used));

/* The first instruction at the start of FLASH. gp is set without relaxation
 * (it would be relaxed against itself), then tp (picolibc's errno is
 * thread-local), the stack, then C. */
__attribute__((naked, section(".text.start"))) void _start(void) {
  __asm__ volatile(
      ".option push\n\t.option norelax\n\t"
      "la gp, __global_pointer$\n\t"
      ".option pop\n\t"
      "la tp, __tls_base\n\t"
      "la sp, _estack\n\t"
      "j rig_reset");
}

/* The report runs on a stack of its own: the main one may be what overflowed. */
#define FAULT_STACK_BYTES 256
#define STR(x) STR_(x)
#define STR_(x) #x
uint32_t rig_fault_stack[FAULT_STACK_BYTES / 4] __attribute__((aligned(16)));

/* mtvec needs 4-byte alignment; a0 carries the stack pointer at the trap. */
__attribute__((naked, aligned(4))) static void trap_entry(void) {
  __asm__ volatile(
      "mv a0, sp\n\t"
      "la sp, rig_fault_stack + " STR(FAULT_STACK_BYTES) "\n\t"
      "j rig_fault_report");
}

void rig_reset(void) {
#if defined(__riscv_flen)
  /* Before any floating-point instruction runs, or it traps as illegal. */
  __asm__ volatile(CSR_ASM("csrs mstatus, %0") : : "r"(MSTATUS_FS_INITIAL));
#endif
  __asm__ volatile(CSR_ASM("csrw mtvec, %0") : : "r"(trap_entry));

  rig_init_and_run_main();
}

/* Any trap is an error: an illegal instruction, a misaligned or faulting
 * access, an EBREAK outside semihosting. mepc is where it happened, for
 * riscv64-unknown-elf-addr2line. Nothing on the RISC-V boards checks the
 * stack limit, so an overflow shows only as "(stack overflow)" when it
 * traps. (RISC-V has no divide-by-zero trap: x/0 gives -1, not a fault.) */
void rig_fault_report(const uint32_t *sp) {
  uint32_t mcause, mepc, mtval;
  __asm__ volatile(CSR_ASM("csrr %0, mcause") : "=r"(mcause));
  __asm__ volatile(CSR_ASM("csrr %0, mepc") : "=r"(mepc));
  __asm__ volatile(CSR_ASM("csrr %0, mtval") : "=r"(mtval));
  rig_puts("[rig] trap mcause=");
  rig_put_hex(mcause);
  rig_puts(" mtval=");
  rig_put_hex(mtval);
  rig_puts(" SP=");
  rig_put_hex((uint32_t)(uintptr_t)sp);
  rig_puts(" PC=");
  rig_put_hex(mepc);
  if (sp <= _sstack || sp > _estack) rig_puts(" (stack overflow)");
  rig_puts("\n");
  _exit(RIG_EXIT_FAULT);
}
