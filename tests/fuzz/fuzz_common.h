/*
 * Shared by the libFuzzer targets: every xbar parser reads a path, so each
 * input goes to a per-process temporary file first (a few microseconds
 * against the parse). Built only with clang -fsanitize=fuzzer (make fuzz).
 */
#ifndef XB_FUZZ_COMMON_H
#define XB_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Write data to this process's file `name` in /tmp; the path, or NULL. */
static const char *fuzz_file(const char *name, const uint8_t *data,
                             size_t size)
{
  static char path[256];
  snprintf(path, sizeof path, "/tmp/xbar_fuzz_%ld_%s", (long)getpid(), name);
  FILE *f = fopen(path, "wb");
  if (!f)
    return NULL;
  if (size && fwrite(data, 1, size, f) != size) {
    fclose(f);
    return NULL;
  }
  fclose(f);
  return path;
}

#endif
