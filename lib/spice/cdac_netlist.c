/*
 * The SAR ADC's capacitive DAC in ngspice (see xbar/spice_sar.h).
 *
 * Workload: one deck per ADC instance of 4 to 10 bits: n + 1 capacitors,
 * n PWL sources of up to 2^(n+1) points, 2^n slots of 1 ns.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/spice_sar.h>

#include "../core/core_impl.h"

#define SLOT 1e-9  /* s per code */
#define EDGE 10e-12

/* A growing text buffer. */
typedef struct text {
  char *p;
  size_t n, cap;
  int oom;
} text;

static void put(text *t, const char *fmt, ...) XB__PRINTF(2, 3);
static void put(text *t, const char *fmt, ...)
{
  if (t->oom)
    return;
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(t->p + t->n, t->cap - t->n, fmt, ap);
    va_end(ap);
    if (w < 0) {
      t->oom = 1;
      return;
    }
    if ((size_t)w < t->cap - t->n) {
      t->n += (size_t)w;
      return;
    }
    size_t cap = 2 * t->cap + (size_t)w + 256;
    char *q = realloc(t->p, cap);
    if (!q) {
      t->oom = 1;
      return;
    }
    t->p = q;
    t->cap = cap;
  }
}

int xb_spice_cdac_levels(xb_spice *sp, const xb_sar *s, double *levels,
                         xb_err *err)
{
  if (!sp || !s || !levels)
    return xb__err(err, XB_EINVAL, "NULL runner, ADC or output");
  const xb_sar_params *p = xb_sar_params_of(s);
  int n = p->bits;
  if (n > 10)
    return xb__err(err, XB_ERANGE, "CDAC deck: %d bits (at most 10)", n);
  size_t codes = (size_t)1 << n;
  double caps[11];
  xb_sar_caps(s, caps);
  text t = {malloc(4096), 0, 4096, 0};
  if (!t.p)
    return xb__err(err, XB_ENOMEM, "CDAC deck");
  put(&t, "* xbar: %d-bit binary-weighted CDAC of a SAR ADC\n", n);
  put(&t, "cd top 0 %.17g\n", caps[0]);
  for (int k = 0; k < n; k++) {
    put(&t, "c%d top b%d %.17g\n", k, k, caps[k + 1]);
    put(&t, "vb%d b%d 0 PWL(0 0", k, k);
    int prev = 0;
    for (size_t c = 1; c < codes; c++) {
      int bit = (int)((c >> k) & 1u);
      if (bit == prev)
        continue;
      double t0 = (double)c * SLOT;
      put(&t, " %.12g %.17g %.12g %.17g", t0, prev ? p->v_fs : 0.0,
          t0 + EDGE, bit ? p->v_fs : 0.0);
      prev = bit;
    }
    put(&t, ")\n");
  }
  put(&t, "rleak top 0 1e15\n");
  put(&t, ".options reltol=1e-9 abstol=1e-18 vntol=1e-12 chgtol=1e-24\n");
  put(&t, ".tran %.12g %.12g 0 %.12g uic\n", EDGE, (double)codes * SLOT,
      SLOT / 20);
  put(&t, ".end\n");
  if (t.oom) {
    free(t.p);
    return xb__err(err, XB_ENOMEM, "CDAC deck");
  }
  int rc = xb_spice_load(sp, t.p, err);
  free(t.p);
  if (!rc)
    rc = xb_spice_run(sp, err);
  size_t nt = 0;
  if (!rc)
    rc = xb_spice_vec(sp, "time", NULL, 0, &nt, err);
  if (!rc && nt < 2)
    rc = xb__err(err, XB_EDATA, "ngspice transient has %zu points", nt);
  double *tv = NULL, *v = NULL;
  if (!rc) {
    tv = malloc(nt * sizeof *tv);
    v = malloc(nt * sizeof *v);
    if (!tv || !v)
      rc = xb__err(err, XB_ENOMEM, "CDAC vectors");
  }
  if (!rc)
    rc = xb_spice_vec(sp, "time", tv, nt, NULL, err);
  if (!rc)
    rc = xb_spice_vec(sp, "v(top)", v, nt, NULL, err);
  for (size_t c = 0; !rc && c < codes; c++) {
    double tm = ((double)c + 0.5) * SLOT;
    size_t j = 1;
    while (j + 1 < nt && tv[j] < tm)
      j++;
    double w = (tm - tv[j - 1]) / (tv[j] - tv[j - 1]);
    levels[c] = v[j - 1] + w * (v[j] - v[j - 1]);
  }
  free(tv);
  free(v);
  return rc;
}
