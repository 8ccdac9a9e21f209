/*
 * libFuzzer target: the Monte Carlo result files, read back by
 * xb_mc_read_column and by the resume scan of xb_mc_out_open (header
 * check, sample numbering, torn last line).
 */
#include <stdlib.h>
#include <string.h>

#include <xbar/mc.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *path = fuzz_file("mc.csv", data, size);
  if (!path)
    return 0;
  double *v = NULL;
  size_t n = 0;
  xb_err err;
  if (xb_mc_read_column(path, "y", &v, &n, &err) == XB_OK) {
    xb_mc_summary s;
    xb_mc_summarize(v, n, &s);
    free(v);
  }
  size_t done = 0;
  xb_mc_out *o = xb_mc_out_open(path, "sample,x,y", 64, 1, &done, &err);
  if (o) {
    if (done > 64)
      abort();
    if (done < 64)
      xb_mc_out_put(o, done, "0,1,2", &err);
    xb_mc_out_close(o, NULL);
  }
  unlink(path);
  return 0;
}
