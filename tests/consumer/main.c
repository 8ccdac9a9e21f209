/*
 * Consumer of an installed xbar: creates the default PCMO device, applies
 * ten potentiating pulses and checks Eq. 2.1 against the library. Exit
 * status 0 on agreement.
 */
#include <math.h>
#include <stdio.h>

#include <xbar/xbar.h>

int main(void)
{
  xb_err err;
  xb_device *d = xb_device_create(xb_device_exp, NULL, NULL, NULL, NULL, &err);
  if (!d) {
    fprintf(stderr, "consumer: %s\n", err.msg);
    return 1;
  }
  xb_cells *c = xb_cells_create(d, 1, 1, &err);
  if (!c) {
    fprintf(stderr, "consumer: %s\n", err.msg);
    xb_device_free(d);
    return 1;
  }
  xb_exp_params p;
  xb_param_defaults(&xb_exp_param_set, &p);
  double a;
  xb_exp_a_from_nl(p.nl_ltp, p.levels, &a, NULL);
  double want = p.gmin + xb_exp_b(a, p.levels, p.gmin, p.gmax) *
                             (1 - exp(-10 / a));
  xb_cells_pulse(c, 0, 2.0, 1e-3, 10, NULL);
  double got = xb_cells_g(c)[0];
  printf("xbar %s: G after 10 pulses %.6e S (Eq. 2.1: %.6e S)\n",
         XBAR_VERSION_STRING, got, want);
  xb_cells_free(c);
  xb_device_free(d);
  return fabs(got - want) <= 1e-12 * want ? 0 : 1;
}
