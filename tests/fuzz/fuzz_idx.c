/*
 * libFuzzer target: the IDX reader (xb_idx_read, the MNIST cache format),
 * asked for 1, 2 and 3 dimensions.
 */
#include <stdlib.h>

#include <xbar/data.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *path = fuzz_file("data.idx", data, size);
  if (!path)
    return 0;
  for (int nd = 1; nd <= 3; nd++) {
    size_t dims[4] = {0, 0, 0, 0};
    unsigned char *bytes = NULL;
    xb_err err;
    int rc = xb_idx_read(path, nd, dims, &bytes, &err);
    if (rc == XB_OK) {
      size_t n = 1;
      for (int k = 0; k < nd; k++)
        n *= dims[k];
      volatile unsigned s = 0;
      for (size_t k = 0; k < n; k++) /* every byte must be readable */
        s += bytes[k];
      free(bytes);
    } else if (!err.msg[0]) {
      abort();
    }
  }
  unlink(path);
  return 0;
}
