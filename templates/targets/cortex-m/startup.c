/* startup.c - what a Cortex-M core runs from reset to main() and after a
 * fault: the vector table, Reset_Handler and the fault handlers. The same
 * file serves every board in boards.txt (M3, M4F, M7, M33, M55). */
#include <stdint.h>
#include <unistd.h> /* _exit, defined in syscalls.c */

#include "rig.h"
#include "rig_target.h"

#define SCB_VTOR (*(volatile uint32_t *)0xE000ED08u)
#define SCB_CCR (*(volatile uint32_t *)0xE000ED14u)
#define SCB_SHCSR (*(volatile uint32_t *)0xE000ED24u)
#define SCB_CFSR (*(volatile uint32_t *)0xE000ED28u)
#define SCB_HFSR (*(volatile uint32_t *)0xE000ED2Cu)
#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)

#define CCR_DIV_0_TRP (1u << 4)
#define SHCSR_FAULTS_ENA (7u << 16) /* MemManage, BusFault, UsageFault */
#define CPACR_CP10_CP11 (0xFu << 20)

void Reset_Handler(void) __attribute__((noreturn));
static void fault_entry(void);

/* Entry 0 is the initial stack pointer, the others are handlers; external
 * interrupts are never enabled, so only the 16 system entries exist. */
typedef union {
  void (*handler)(void);
  const void *stack_top;
} vector_t;

__attribute__((section(".vectors"), used)) static const vector_t vectors[16] = {
    {.stack_top = _estack}, {.handler = Reset_Handler},
    {.handler = fault_entry}, {.handler = fault_entry}, /* NMI, HardFault */
    {.handler = fault_entry}, {.handler = fault_entry}, /* MemManage, BusFault */
    {.handler = fault_entry}, {.handler = fault_entry}, /* UsageFault, SecureFault (v8-M) */
    {0}, {0}, {0},
    {.handler = fault_entry}, {.handler = fault_entry}, /* SVCall, DebugMonitor */
    {0},
    {.handler = fault_entry}, {.handler = fault_entry}, /* PendSV, SysTick */
};

void Reset_Handler(void) {
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
  /* Before any FPU or MVE instruction runs, or it faults with NOCP. */
  SCB_CPACR |= CPACR_CP10_CP11;
  __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
  SCB_VTOR = (uint32_t)(uintptr_t)vectors;
  /* An integer division by zero is a bug in generated code: make it fault
   * instead of quietly giving 0, and report each fault under its own name. */
  SCB_CCR |= CCR_DIV_0_TRP;
  SCB_SHCSR |= SHCSR_FAULTS_ENA;
#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
  /* v8-M checks the stack limit in hardware: an overflow faults before it
   * writes. Older cores rely on the stack sitting first in RAM. */
  __asm__ volatile("msr msplim, %0" : : "r"(_sstack));
#endif

  rig_init_and_run_main();
}

/* The report runs on a stack of its own: the main one may be what overflowed. */
#define FAULT_STACK_BYTES 256
#define STR(x) STR_(x)
#define STR_(x) #x
uint32_t rig_fault_stack[FAULT_STACK_BYTES / 4] __attribute__((aligned(8)));

/* sp is the main stack pointer at the fault. When it is inside the stack, it
 * points at the frame the core pushed (r0-r3, r12, lr, pc, xpsr), whose pc is
 * where the fault happened, for arm-none-eabi-addr2line. */
void rig_fault_report(const uint32_t *sp);
void rig_fault_report(const uint32_t *sp) {
  static const char *const names[16] = {
      [2] = "NMI",        [3] = "HardFault",   [4] = "MemManage", [5] = "BusFault",
      [6] = "UsageFault", [7] = "SecureFault", [11] = "SVCall",   [12] = "DebugMonitor",
      [14] = "PendSV",    [15] = "SysTick"};
  uint32_t ipsr;
  __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
  rig_puts("[rig] ");
  rig_puts(ipsr < 16 && names[ipsr] ? names[ipsr] : "interrupt");
  rig_puts(" CFSR=");
  rig_put_hex(SCB_CFSR);
  rig_puts(" HFSR=");
  rig_put_hex(SCB_HFSR);
  rig_puts(" SP=");
  rig_put_hex((uint32_t)(uintptr_t)sp);
  if (sp > _sstack && sp + 8 <= _estack) {
    rig_puts(" PC=");
    rig_put_hex(sp[6]);
  } else {
    rig_puts(" (stack overflow)");
  }
  rig_puts("\n");
  _exit(RIG_EXIT_FAULT);
}

/* naked: takes MSP before any prologue moves it (the program never switches
 * to PSP), then leaves the main stack before anything is pushed. */
__attribute__((naked)) static void fault_entry(void) {
  __asm__ volatile(
      "mrs r0, msp\n\t"
      "ldr r1, =rig_fault_stack + " STR(FAULT_STACK_BYTES) "\n\t"
      "mov sp, r1\n\t"
      "b rig_fault_report");
}
