/*
 * libFuzzer target: measured device tables (xb_lut_data_read), and a lut
 * device built from them through an .ini that names the table.
 */
#include <string.h>

#include <xbar/device.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *p = fuzz_file("table.csv", data, size);
  if (!p)
    return 0;
  char table[256];
  snprintf(table, sizeof table, "%s", p);
  xb_lut_data t;
  xb_err err;
  if (xb_lut_data_read(table, &t, &err) == XB_OK)
    xb_lut_data_free(&t);
  else if (!err.msg[0])
    abort();
  char ini[512];
  int n = snprintf(ini, sizeof ini,
                   "[device]\ntype = lut\ntable = %s\n[model]\nlevels = 10\n",
                   table);
  const char *ip = fuzz_file("lut.ini", (const uint8_t *)ini, (size_t)n);
  if (ip) {
    xb_device *d = xb_device_load(ip, &err);
    if (d) {
      xb_cells *c = xb_cells_create(d, 4, 1, &err);
      if (c) {
        xb_cells_pulse(c, 0, 2.0, 1e-3, 3, &err);
        xb_cells_pulse(c, 1, -2.0, 1e-3, 3, &err);
        xb_cells_free(c);
      }
      xb_device_free(d);
    }
    unlink(ip);
  }
  unlink(table);
  return 0;
}
