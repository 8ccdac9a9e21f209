/*
 * libFuzzer target: the .npy reader (xb_npy_read, network weights) asked
 * for ranks 1 to 4, any sizes, and once with the sizes it returned.
 */
#include <stdlib.h>

#include <xbar/npy.h>

#include "fuzz_common.h"

/* Read path at rank nd; on success touch every element and return the
 * sizes found in dims. Aborts on an error without its code and message. */
static int read_touch(const char *path, int nd, size_t *dims)
{
  double *vals = NULL;
  xb_err err;
  int rc = xb_npy_read(path, nd, dims, &vals, &err);
  if (rc != XB_OK && (!err.msg[0] || err.code != rc))
    abort();
  if (rc != XB_OK)
    return rc;
  size_t n = 1;
  for (int k = 0; k < nd; k++)
    n *= dims[k];
  volatile double s = 0;
  for (size_t k = 0; k < n; k++)
    s += vals[k];
  free(vals);
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *path = fuzz_file("data.npy", data, size);
  if (!path)
    return 0;
  for (int nd = 1; nd <= XB_NPY_MAX_DIMS; nd++) {
    size_t dims[XB_NPY_MAX_DIMS] = {0, 0, 0, 0};
    /* the sizes found must then be accepted as the expected ones */
    if (read_touch(path, nd, dims) == XB_OK &&
        read_touch(path, nd, dims) != XB_OK)
      abort();
  }
  unlink(path);
  return 0;
}
