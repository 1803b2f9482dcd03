/* rig.h - the little a test program may call on a target: text output,
 * instruction-count regions and the stack high-water mark. Works from C and
 * C++. Target builds implement it over Arm semihosting (rig.c), host builds
 * over stdio (rig_host.c); neither needs a heap. */
#ifndef ONNX2MCU_RIG_H
#define ONNX2MCU_RIG_H

#ifdef __cplusplus
extern "C" {
#endif

/* Writes s as it is; no newline is added. */
void rig_puts(const char *s);

/* Writes v in decimal. */
void rig_put_int(long v);

/* Mark a region for tools/count-insns.sh, which reports the instructions
 * executed from the return of rig_region_begin() to the return of the next
 * rig_region_end(); an empty region counts 2. Regions do not nest. These are
 * real calls, so memory work cannot move across them, but pure register
 * arithmetic can: keep the measured code a call, or have it write memory. */
void rig_region_begin(void);
void rig_region_end(void);

/* Deepest stack use so far in bytes, from the stack painted at reset
 * (0 on the host, where it is not measured). */
unsigned rig_stack_peak(void);

#ifdef __cplusplus
}
#endif

#endif
