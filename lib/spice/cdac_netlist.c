/*
 * The SAR ADC's binary-weighted capacitive DAC as an ngspice transient
 * deck (see xbar/spice_sar.h for the contract and xbar/mvm.h for the ADC).
 *
 * Deck (all names lowercase):
 *   cd   top 0    the dummy unit, bottom plate grounded
 *   c<k> top b<k> capacitor k (xb_sar_caps, 17 significant digits)
 *   vb<k> b<k> 0  PWL: v_fs during the slots of the codes with bit k set,
 *                 0 otherwise; each change is a ramp of EDGE starting at
 *                 the slot boundary
 *   rleak top 0   RC_LEAK / c_unit: the DC path the operating point needs
 * and ".tran" over the 2^n slots. At t = 0 every source is 0, so the
 * operating point puts the top plate at 0 with no charge on any capacitor;
 * the top plate then floats (apart from the leak), its charge stays zero,
 * and once slot c's edges are over it sits at
 *
 *   V_top(c) = v_fs sum_{k in c} C_k / C_total,
 *
 * the model's V_dac(c) (xb_sar_level). ngspice integrates the capacitor
 * currents with the trapezoidal rule, which conserves the node's charge
 * exactly for any step size, and the circuit is linear, so its Newton
 * solution is the LU solution: the only error of the deck beyond round-off
 * is the leak. It discharges the top plate with tau = rleak C_total ~
 * RC_LEAK 2^n (C_total ~ 2^n c_unit), so by the end of the run the level
 * has drooped by at most v_fs 2^n SLOT / tau ~ SLOT / RC_LEAK = 1e-10 of
 * v_fs, for every resolution and unit capacitor.
 *
 * The level of slot c is read at the slot's middle, linearly interpolated
 * on ngspice's time vector (the top plate is flat there, edges included:
 * the breakpoints of the PWL corners are time points).
 *
 * Workload: one deck per ADC instance of 1 to 10 bits: n + 1 capacitors,
 * n PWL sources of up to 2^(n+1) + 1 points, 2^n slots; a few time points
 * per slot, well under a second per deck.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/spice_sar.h>

#include "../core/core_impl.h"

#define MAX_BITS 10
#define SLOT 1e-9    /* s per code */
#define EDGE 10e-12  /* s, each PWL ramp */
#define RC_LEAK 10.0 /* s: rleak c_unit (1e15 Ohm at the default 10 fF) */

/* The deck of s in a new string (NULL: out of memory). */
static char *cdac_deck(const xb_sar *s)
{
  const xb_sar_params *p = xb_sar_params_of(s);
  int n = p->bits;
  size_t codes = (size_t)1 << n;
  double caps[MAX_BITS + 1];
  xb_sar_caps(s, caps);
  char *deck = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&deck, &len);
  if (!f)
    return NULL;
  fprintf(f, "* xbar: %d-bit binary-weighted CDAC of a SAR ADC, %zu code "
             "slots of %g s\n",
          n, codes, SLOT);
  fprintf(f, "cd top 0 %.17g\n", caps[0]);
  for (int k = 0; k < n; k++) {
    fprintf(f, "c%d top b%d %.17g\n", k, k, caps[k + 1]);
    fprintf(f, "vb%d b%d 0 pwl(0 0", k, k);
    unsigned prev = 0;
    for (size_t c = 1; c < codes; c++) {
      unsigned bit = (unsigned)(c >> k) & 1u;
      if (bit == prev)
        continue;
      double t0 = (double)c * SLOT;
      fprintf(f, "\n+ %.17g %.17g %.17g %.17g", t0, prev ? p->v_fs : 0.0,
              t0 + EDGE, bit ? p->v_fs : 0.0);
      prev = bit;
    }
    fprintf(f, ")\n");
  }
  fprintf(f, "rleak top 0 %.17g\n", RC_LEAK / p->c_unit);
  fprintf(f, ".tran %.17g %.17g 0 %.17g\n", SLOT / 4, (double)codes * SLOT,
          SLOT / 4);
  fprintf(f, ".end\n");
  if (fclose(f) != 0 || !deck) {
    free(deck);
    return NULL;
  }
  return deck;
}

int xb_spice_cdac_levels(xb_spice *sp, const xb_sar *s, double *levels,
                         xb_err *err)
{
  if (!sp || !s || !levels)
    return xb__err(err, XB_EINVAL, "NULL runner, ADC or output");
  int n = xb_sar_params_of(s)->bits;
  if (n > MAX_BITS)
    return xb__err(err, XB_ERANGE, "CDAC deck: %d bits (at most %d)", n,
                   MAX_BITS);
  size_t codes = (size_t)1 << n;
  char *deck = cdac_deck(s);
  if (!deck)
    return xb__err(err, XB_ENOMEM, "CDAC deck");
  int rc = xb_spice_load(sp, deck, err);
  free(deck);
  if (!rc)
    rc = xb_spice_run(sp, err);
  size_t nt = 0, nv = 0;
  if (!rc)
    rc = xb_spice_vec(sp, "time", NULL, 0, &nt, err);
  if (!rc && nt < 2)
    rc = xb__err(err, XB_EDATA, "ngspice transient has %zu time points", nt);
  if (rc)
    return rc;
  double *t = malloc(nt * sizeof *t), *v = malloc(nt * sizeof *v);
  double *lv = malloc(codes * sizeof *lv);
  if (!t || !v || !lv)
    rc = xb__err(err, XB_ENOMEM, "CDAC vectors");
  if (!rc)
    rc = xb_spice_vec(sp, "time", t, nt, NULL, err);
  if (!rc)
    rc = xb_spice_vec(sp, "v(top)", v, nt, &nv, err);
  if (!rc && nv != nt)
    rc = xb__err(err, XB_EDATA, "ngspice v(top) has %zu points, time %zu",
                 nv, nt);
  /* One sweep: j is the first time point at or after the slot's middle. */
  size_t j = 1;
  for (size_t c = 0; !rc && c < codes; c++) {
    double tm = ((double)c + 0.5) * SLOT;
    while (j + 1 < nt && t[j] < tm)
      j++;
    if (!(t[j] >= tm && t[j] > t[j - 1]))
      rc = xb__err(err, XB_EDATA,
                   "ngspice time vector does not cover slot %zu (t = %g s)",
                   c, tm);
    else
      lv[c] = v[j - 1] +
              (tm - t[j - 1]) / (t[j] - t[j - 1]) * (v[j] - v[j - 1]);
  }
  if (!rc)
    memcpy(levels, lv, codes * sizeof *lv);
  free(t);
  free(v);
  free(lv);
  return rc;
}
