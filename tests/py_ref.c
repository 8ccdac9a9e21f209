/*
 * py_ref: reference results for the Python binding's tests
 * (python/tests). Runs fixed inputs through the C API and prints one line
 * per result, `key value...`, doubles as C99 hex floats (%a), so the
 * Python tests compare every number bit for bit with what the same library
 * computes from C (float.fromhex). Keys are the tests' names for them.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/xbar.h>

static void put(const char *key, const double *v, size_t n)
{
  printf("%s", key);
  for (size_t k = 0; k < n; k++)
    printf(" %a", v[k]);
  printf("\n");
}

static void puti(const char *key, const long long *v, size_t n)
{
  printf("%s", key);
  for (size_t k = 0; k < n; k++)
    printf(" %lld", v[k]);
  printf("\n");
}

static int die(const char *what, const xb_err *e)
{
  fprintf(stderr, "py_ref: %s: %s\n", what, e->msg);
  return 1;
}

int main(void)
{
  xb_err e;
  xb_err_clear(&e);
  /* parameter defaults, for the table-built structs */
  xb_array_params ap;
  xb_param_defaults(&xb_array_param_set, &ap);
  put("array_defaults", &ap.rw_row, 4);

  /* device and cells: the PCMO preset with c2c and read noise, a parallel
   * write, a pulse train, noisy reads */
  xb_device *d0 = xb_device_load(XB_SOURCE_DIR "/models/pcmo_park2013.ini",
                                 &e);
  if (!d0)
    return die("device", &e);
  xb_var_params var;
  xb_param_defaults(&xb_var_param_set, &var);
  var.c2c = 0.01;
  var.read = 0.02;
  var.d2d_g = 0.1;
  xb_device *d = xb_device_with_variation(d0, &var, &e);
  xb_cells *c = d ? xb_cells_create(d, 6, 11, &e) : NULL;
  if (!c)
    return die("cells", &e);
  const double vw[6] = {2.0, -2.0, 1.6, 1.0, 2.0, 2.0};
  if (xb_cells_pulse_all(c, vw, 1e-3, &e) ||
      xb_cells_pulse(c, 2, 2.0, 0.5e-3, 7, &e))
    return die("pulse", &e);
  put("cells_g", xb_cells_g(c), 6);
  double rd[6];
  for (size_t k = 0; k < 6; k++)
    xb_cells_read(c, k, 0.2, 5, &rd[k], NULL);
  put("cells_read", rd, 6);
  double lv = xb_device_levels(d), gb[2];
  xb_device_bounds(d, &gb[0], &gb[1]);
  put("device_bounds", gb, 2);
  put("device_levels", &lv, 1);
  xb_cells_free(c);
  xb_device_free(d);
  xb_device_free(d0);

  /* the fitter on a synthetic LTP curve */
  double fp[20], fg[20];
  for (int k = 0; k < 20; k++) {
    fp[k] = k;
    fg[k] = 1e-8 + 5e-8 * (1.0 - exp(-k / 7.0)) + 1e-10 * sin(k);
  }
  xb_exp_fit f;
  if (xb_exp_fit_data(fp, fg, 20, &f, &e))
    return die("fit", &e);
  put("fit_g", fg, 20);
  double fr[5] = {f.a, f.b, f.g0, f.dir, f.rms};
  put("fit", fr, 5);
  (void)puti;
  return 0;
}
