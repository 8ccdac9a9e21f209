/*
 * libFuzzer target: the .ini readers. One input is read as a device file
 * (xb_device_load: [device] [model] [electrical] [variation]), a read
 * circuit (xb_read_load), a write section (xb_param_read of [write]) and a
 * Monte Carlo study (xb_mc_study_load). Each must return XB_OK with a
 * usable object or an error code with a message; never crash, leak or
 * read out of bounds (ASan, UBSan).
 */
#include <string.h>

#include <xbar/xbar.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *path = fuzz_file("ini.ini", data, size);
  if (!path)
    return 0;
  xb_err err;
  xb_device *d = xb_device_load(path, &err);
  if (!d && (err.code == XB_OK || !err.msg[0]))
    abort(); /* an error must say what it is */
  xb_device_free(d);
  xb_read *r = xb_read_load(path, &err);
  if (!r && err.code == XB_OK)
    abort();
  xb_read_free(r);
  xb_write_params wp;
  xb_param_defaults(&xb_write_param_set, &wp);
  xb_param_read(&xb_write_param_set, &wp, path, "write", &err);
  xb_mc_study *s = xb_mc_study_load(path, &err);
  if (s) {
    double x[256];
    if (xb_mc_study_nparams(s) <= 256)
      xb_mc_sample(s, xb_mc_study_samples(s) - 1, x);
  } else if (err.code == XB_OK) {
    abort();
  }
  xb_mc_study_free(s);
  unlink(path);
  return 0;
}
