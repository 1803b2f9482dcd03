/* syscalls.c - the platform hooks newlib-nano and libstdc++ expect, for a
 * program that has no heap, no files and never returns from main(): exit
 * through semihosting, fail loudly on heap use, send stdout/stderr to the
 * semihosting console, and keep C++ static objects without destructors. */
/* The headers declare _exit, abort and __assert_func, so the compiler checks
 * those definitions; the other hooks use the types newlib gives them. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rig.h"
#include "rig_target.h"

void _exit(int code) {
#ifndef RIG_QUIET
  rig_puts("[rig] exit=");
  rig_put_int(code);
  rig_puts(" stack_peak=");
  rig_put_int((long)rig_stack_peak());
  rig_puts(" stack_reserved=");
  rig_put_int((long)((uintptr_t)_estack - (uintptr_t)_sstack));
  rig_puts("\n");
#endif
  const uint32_t block[2] = {SH_APPLICATION_EXIT, (uint32_t)code};
  for (;;) semihost(SH_EXIT_EXTENDED, block); /* returns only without QEMU */
}

/* Every malloc, new or std::vector ends here: generated code must use the
 * arena, so a heap use is an error, not a fallback. */
void *_sbrk(ptrdiff_t incr) {
  (void)incr;
  rig_puts("[rig] heap use (malloc/new reached _sbrk): not allowed\n");
  _exit(RIG_EXIT_HEAP);
}

#ifdef __PICOLIBC__
/* picolibc's malloc (the RISC-V runtime's C library) calls sbrk itself. */
void *sbrk(ptrdiff_t incr) { return _sbrk(incr); }
#endif

void abort(void) {
  rig_puts("[rig] abort()\n");
  _exit(RIG_EXIT_FAULT);
}

/* newlib's own version prints with fiprintf, which allocates. */
void __assert_func(const char *file, int line, const char *func, const char *expr) {
  rig_puts("[rig] assert failed: ");
  rig_puts(file);
  rig_puts(":");
  rig_put_int(line);
  rig_puts(": ");
  rig_puts(func ? func : "?");
  rig_puts(": ");
  rig_puts(expr);
  rig_puts("\n");
  _exit(RIG_EXIT_FAULT);
}

/* Byte by byte: SYS_WRITEC needs no open handle and no NUL terminator. */
ssize_t _write(int fd, const void *buf, size_t len) {
  if (fd != 1 && fd != 2) {
    errno = EBADF;
    return -1;
  }
  for (const char *c = buf; c < (const char *)buf + len; ++c) semihost(SH_WRITEC, c);
  return (ssize_t)len;
}

ssize_t _read(int fd, void *buf, size_t len) {
  (void)fd; (void)buf; (void)len;
  return 0; /* stdin is always at end of file */
}

int _close(int fd) { (void)fd; errno = EBADF; return -1; }
off_t _lseek(int fd, off_t offset, int whence) { (void)fd; (void)offset; (void)whence; errno = ESPIPE; return -1; }
int _isatty(int fd) { return fd >= 0 && fd <= 2; }
pid_t _getpid(void) { return 1; }
int _kill(int pid, int sig);
int _kill(int pid, int sig) { (void)pid; (void)sig; errno = EINVAL; return -1; }

int _fstat(int fd, struct stat *st) {
  (void)fd;
  st->st_mode = S_IFCHR; /* the semihosting console */
  return 0;
}

/* C++: main() never returns through exit(), so destructors of static objects
 * never run and need not be registered; a pure virtual call is a bug. */
void *__dso_handle = 0;
int __cxa_atexit(void (*fn)(void *), void *arg, void *dso) {
  (void)fn; (void)arg; (void)dso;
  return 0;
}
void __cxa_pure_virtual(void) { abort(); }
