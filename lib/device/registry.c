/*
 * The registry of built-in device models: the table of exported type
 * descriptors that the .ini loader looks a `type =` name up in, and the
 * names for its messages. Adding a model adds one line here and touches
 * nothing in the generic layer (device.c).
 */
#include <stdio.h>
#include <string.h>

#include "device_impl.h"

/* Addresses of the exported type pointers: constant, so no mutable state. */
static const xb_device_type *const *const builtin_types[] = {
    &xb_device_exp, &xb_device_linear, &xb_device_softbounds, &xb_device_lut};
#define NTYPES (sizeof builtin_types / sizeof builtin_types[0])

const xb_device_type *xb_device_type_find(const char *name)
{
  for (size_t i = 0; name && i < NTYPES; i++)
    if (strcmp((*builtin_types[i])->name, name) == 0)
      return *builtin_types[i];
  return NULL;
}

size_t xb__device_type_names(char *buf, size_t n, const char *sep,
                             const char *last, int tables)
{
  const xb_device_type *pick[NTYPES];
  size_t k = 0, need = 0;
  for (size_t i = 0; i < NTYPES; i++)
    if (!tables || (*builtin_types[i])->load_data)
      pick[k++] = *builtin_types[i];
  if (buf && n)
    buf[0] = '\0';
  for (size_t i = 0; i < k; i++) {
    const char *before = i == 0 ? "" : (i + 1 == k ? last : sep);
    char *dst = (buf && need < n) ? buf + need : NULL;
    size_t room = (buf && need < n) ? n - need : 0;
    need += (size_t)snprintf(dst, room, "%s%s", before, pick[i]->name);
  }
  return need;
}
