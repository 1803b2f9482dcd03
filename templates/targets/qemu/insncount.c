/* insncount.c - QEMU TCG plugin that counts executed guest instructions:
 * the total from reset to exit, and per marked region. Deterministic, and
 * exact as long as no TB is cut short by an exception.
 *
 * Written against the plugin API of QEMU 7.2 (version 1). Debian ships a
 * qemu-system-arm that loads plugins but no qemu-plugin.h, so the few
 * declarations used are restated below and the build is one command:
 *   cc -shared -fPIC -O2 -o insncount.so insncount.c
 * QEMU 9 changed the inline-counter calls; a port would start there.
 *
 * Arguments: -plugin file=insncount.so,begin=ADDR,end=ADDR,out=FILE
 *   begin, end  addresses of rig_region_begin and rig_region_end; a region
 *               lasts from the execution of begin's first instruction to
 *               that of end's, each including its whole block
 *   out         where the results go (default: stderr)
 * Results, one a line: "total_insns=N", then "region K insns=N" from K = 0. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the part of QEMU 7.2's qemu-plugin.h used here ---- */
typedef uint64_t qemu_plugin_id_t;
typedef struct qemu_info_t qemu_info_t; /* only passed through */
struct qemu_plugin_tb;
struct qemu_plugin_insn;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, qemu_plugin_vcpu_tb_trans_cb_t);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *, enum qemu_plugin_op,
                                              void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *, qemu_plugin_vcpu_udata_cb_t,
                                            enum qemu_plugin_cb_flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, qemu_plugin_udata_cb_t, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *);
__attribute__((visibility("default"))) int qemu_plugin_version = 1;
/* ---- end of the restated API ---- */

#define NO_ADDR UINT64_MAX

static uint64_t total; /* each block adds its length inline before it runs */
static uint64_t begin_addr = NO_ADDR, end_addr = NO_ADDR;
static uint64_t region_start;
static bool in_region;
static uint64_t *regions;
static size_t n_regions, cap_regions;
static FILE *out;

/* Both callbacks fire when "total" already includes their marker's block,
 * so the difference covers what ran between the two marker functions plus
 * the caller's call of the end marker and that marker's own block: an
 * empty region reads 2 (bl + bx lr) when the markers are one-instruction
 * functions, as rig.c's are at -O1 and above. */
static void on_begin(unsigned int vcpu, void *userdata) {
  (void)vcpu; (void)userdata;
  region_start = total;
  in_region = true;
}

static void on_end(unsigned int vcpu, void *userdata) {
  (void)vcpu; (void)userdata;
  if (!in_region) return; /* an end without a begin is not a region */
  in_region = false;
  if (n_regions == cap_regions) {
    size_t cap = cap_regions ? 2 * cap_regions : 256;
    uint64_t *grown = realloc(regions, cap * sizeof *grown);
    if (!grown) {
      fprintf(stderr, "insncount: out of memory after %zu regions\n", n_regions);
      exit(1);
    }
    regions = grown;
    cap_regions = cap;
  }
  regions[n_regions++] = total - region_start;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  (void)id;
  size_t n = qemu_plugin_tb_n_insns(tb);
  qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &total, n);
  for (size_t i = 0; i < n; i++) {
    struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
    uint64_t addr = qemu_plugin_insn_vaddr(insn);
    if (addr == begin_addr)
      qemu_plugin_register_vcpu_insn_exec_cb(insn, on_begin, QEMU_PLUGIN_CB_NO_REGS, NULL);
    else if (addr == end_addr)
      qemu_plugin_register_vcpu_insn_exec_cb(insn, on_end, QEMU_PLUGIN_CB_NO_REGS, NULL);
  }
}

static void on_qemu_exit(qemu_plugin_id_t id, void *userdata) {
  (void)id; (void)userdata;
  FILE *f = out ? out : stderr;
  fprintf(f, "total_insns=%" PRIu64 "\n", total);
  for (size_t k = 0; k < n_regions; k++) fprintf(f, "region %zu insns=%" PRIu64 "\n", k, regions[k]);
  if (in_region) fprintf(stderr, "insncount: region %zu was begun but never ended\n", n_regions);
  if (out) fclose(out);
}

/* Thumb symbols carry bit 0 set; instruction addresses never do. */
static bool parse_addr(const char *text, uint64_t *addr) {
  char *rest;
  unsigned long long v = strtoull(text, &rest, 0);
  if (rest == text || *rest) return false;
  *addr = v & ~1ull;
  return true;
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
                                                               const qemu_info_t *info,
                                                               int argc, char **argv) {
  (void)info;
  for (int i = 0; i < argc; i++) {
    const char *arg = argv[i];
    bool ok;
    if (!strncmp(arg, "begin=", 6)) ok = parse_addr(arg + 6, &begin_addr);
    else if (!strncmp(arg, "end=", 4)) ok = parse_addr(arg + 4, &end_addr);
    else if (!strncmp(arg, "out=", 4)) ok = (out = fopen(arg + 4, "w")) != NULL;
    else ok = false;
    if (!ok) {
      fprintf(stderr, "insncount: bad argument '%s' (want begin=ADDR, end=ADDR or out=FILE)\n", arg);
      return -1;
    }
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
  qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
  return 0;
}
