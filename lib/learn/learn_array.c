/*
 * The dictionary on an array, for the behavioral and circuit fidelities
 * (xb_learner_attach, see xbar/learn.h): the cells (dim rows = pixels,
 * atoms columns) programmed to G = Gmin + (Gmax - Gmin) D, the read
 * circuit's count table and drive, the write's scales and tables (the
 * overlap table, the accumulate write's sums and widths), and D and the
 * behavioral read's float copies kept in step with the conductances.
 * Also the single-cell pulse both fidelity-1 writes use, and the write
 * counts (xb_learner_writes).
 *
 * Count table: ithr[k], the smallest current giving k spikes, by
 * bisection below the current at which the reset gate latches; a count
 * decodes to the middle of its current interval, iest[k]. Write scales:
 * z_full -> all zbits levels; r chosen so that the overlap write gives
 * dD = -eta r z^T in the device's linear range.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/read.h>

#include "learn_impl.h"

void xb__learn_hw_free(xb_learner *l)
{
  struct xb_hw *h = l->hw;
  if (!h)
    return;
  xb_cells_free(h->cells);
  xb_array_free(h->arr);
  free(h->ovl);
  free(h->acc);
  free(h->o1);
  free(h->colmax);
  free(h->gtc);
  free(h->gtp);
  free(h->plane);
  free(h->cur);
  free(h);
  l->hw = NULL;
}

/* Dictionary entry k = i m + j as the conductance holds it (clipped to
 * [0, 1]), and the float copies the behavioral read uses. */
void xb__learn_sync_cell(xb_learner *l, const double *g, size_t i, size_t j)
{
  struct xb_hw *h = l->hw;
  size_t m = (size_t)l->p.atoms, k = i * m + j;
  double d = (g[k] - h->gmin) / (h->gmax - h->gmin);
  l->D[k] = d < 0 ? 0 : (d > 1 ? 1 : d);
  h->gtp[i * h->mpad + j] = (float)g[k];
  h->gtc[j * h->dpad + i] = (float)g[k];
}

void xb__learn_sync_dict(xb_learner *l)
{
  const double *g = xb_cells_g(l->hw->cells);
  for (size_t i = 0; i < (size_t)l->dim; i++)
    for (size_t j = 0; j < (size_t)l->p.atoms; j++)
      xb__learn_sync_cell(l, g, i, j);
}

/* Pulses over the conductance range: the model's own count where it has
 * one, else 50 (a model-independent guess). */
static double device_levels(const xb_device *d)
{
  double n = xb_device_levels(d);
  return n > 0 ? n : 50.0;
}

/* The count table of the read circuit r (unreachable counts get an
 * infinite threshold: beyond the latch current the count saturates). */
static int count_table(struct xb_hw *h, const xb_read *r, int rc,
                       xb_err *err)
{
  const xb_read_params *rp = xb_read_params_of(r);
  double i_latch = 0.999 * (rp->v_tl - rp->v_reset) / rp->r_reset;
  h->ithr[0] = 0;
  for (int k = 1; !rc && k < 8; k++) {
    double lo = h->ithr[k - 1], hi = i_latch;
    int n;
    if (!isfinite(lo) || (rc = xb_read_count(r, hi, &n, err)) || n < k) {
      h->ithr[k] = INFINITY;
      continue;
    }
    for (int it = 0; it < 80; it++) {
      double mid = 0.5 * (lo + hi);
      rc = xb_read_count(r, mid, &n, err);
      if (rc)
        break;
      if (n >= k)
        hi = mid;
      else
        lo = mid;
    }
    h->ithr[k] = hi;
  }
  for (int k = 0; k < 8; k++) {
    if (k == 0 || !isfinite(h->ithr[k]))
      h->iest[k] = k == 0 ? 0.0 : h->iest[k - 1];
    else if (k < 7 && isfinite(h->ithr[k + 1]))
      h->iest[k] = 0.5 * (h->ithr[k] + h->ithr[k + 1]);
    else /* the top count: half a step above its threshold */
      h->iest[k] = h->ithr[k] + 0.5 * (h->ithr[k] - h->ithr[k - 1]);
  }
  return rc;
}

/* Write scales and the overlap table: dD ~ (1/levels) overlap / t_pulse
 * with overlap ~ reps |rq| t_rpulse (zq / zbits) for a Z window spanning
 * a half period. */
static void write_scales(xb_learner *l, struct xb_hw *h)
{
  double half = 0.5 * h->wp.t_write;
  double tclk = h->wp.t_write / h->wp.clocks;
  double levels = device_levels(h->dev);
  h->s_z = h->wp.zbits / l->p.z_full;
  double per = h->wp.reps * h->wp.t_rpulse * tclk / half /
               (levels * xb_device_elec(h->dev)->t_pulse);
  h->s_r = l->p.eta / (h->s_z * per);
  int R = h->wp.r_levels, Zb = h->wp.zbits;
  for (int rq = -R; rq <= R; rq++)
    for (int zq = 0; zq <= Zb; zq++)
      h->ovl[(size_t)(rq + R) * (Zb + 1) + zq] =
          xb_write_overlap(&h->wp, rq, zq);
}

/* The accumulate write's sums and its pulse widths (learn_accum.c): o1[k]
 * for k r pulses in one write period, step the D change of one. */
static int accum_tables(xb_learner *l, struct xb_hw *h, xb_err *err)
{
  size_t n = (size_t)l->dim * (size_t)l->p.atoms;
  xb_write_params w1 = h->wp;
  w1.reps = 1;
  int R = w1.r_levels, rc = XB_OK;
  h->o1 = malloc((size_t)(R + 1) * sizeof(double));
  h->acc = calloc(n, sizeof(double));
  if (!h->o1 || !h->acc)
    rc = xb__err(err, XB_ENOMEM, "accumulator of %zu cells", n);
  for (int k = 0; !rc && k <= R; k++)
    h->o1[k] = fabs(xb_write_overlap(&w1, -k, w1.zbits));
  if (!rc && !(h->o1[1] > 0 && isfinite(h->o1[R])))
    rc = xb__err(err, XB_EINVAL,
                 "accum: one r pulse does not overlap a full Z window "
                 "(zbits %d of %d clocks per half period)", w1.zbits,
                 w1.clocks / 2);
  if (!rc)
    h->step = h->o1[1] / (xb_device_elec(h->dev)->t_pulse *
                          device_levels(h->dev));
  return rc;
}

int xb_learner_attach(xb_learner *l, const xb_device *d, const xb_read *r,
                      const xb_write_params *w, const xb_array_params *ap,
                      xb_err *err)
{
  if (!l || !d || !r)
    return xb__err(err, XB_EINVAL, "NULL learner, device or read circuit");
  xb__learn_hw_free(l);
  struct xb_hw *h = calloc(1, sizeof *h);
  if (!h)
    return xb__err(err, XB_ENOMEM, "array state");
  l->hw = h;
  h->dev = d;
  h->rc = r;
  if (w)
    h->wp = *w;
  else
    xb_param_defaults(&xb_write_param_set, &h->wp);
  int rc = xb_param_check(&xb_write_param_set, &h->wp, err);
  size_t dim = (size_t)l->dim, m = (size_t)l->p.atoms;
  if (!rc) {
    h->cells = xb_cells_create(d, dim * m, l->seed, err);
    rc = h->cells ? XB_OK : (err ? err->code : XB_ENOMEM);
  }
  xb_device_bounds(d, &h->gmin, &h->gmax);
  h->v_reset = xb_read_params_of(r)->v_reset;
  if (!rc) {
#if XB__LEARN_X86
    h->avx512 = __builtin_cpu_supports("avx512f");
#endif
    h->dpad = (dim + 15) / 16 * 16;
    h->mpad = (m + 15) / 16 * 16;
    h->gtc = calloc(m * h->dpad, sizeof(float));
    h->gtp = calloc(dim * h->mpad, sizeof(float));
    h->ovl = malloc((size_t)(2 * h->wp.r_levels + 1) * (h->wp.zbits + 1) *
                    sizeof(double));
    if (!h->gtc || !h->gtp || !h->ovl)
      rc = xb__err(err, XB_ENOMEM, "array state");
  }
  /* Program the dictionary. */
  for (size_t k = 0; !rc && k < dim * m; k++)
    rc = xb_cells_set_g(h->cells, k,
                        h->gmin + (h->gmax - h->gmin) * l->D[k], err);
  /* Read scale (per driven line; see learn_circuit.c): one cell at
   * mid-range conductance gives 6.5 spikes' worth of current. */
  const xb_read_params *rp = xb_read_params_of(r);
  double q = rp->c_int * (rp->v_th - rp->v_reset) / rp->window;
  h->v_read = l->p.v_read > 0 ? l->p.v_read
                              : 6.5 * q / (0.5 * (h->gmin + h->gmax));
  /* A read must not write: the drive stays at 90% of Vw/2. */
  h->v_cap = 0.45 * fmin(xb_device_elec(d)->vw_set,
                         xb_device_elec(d)->vw_reset);
  rc = count_table(h, r, rc, err);
  if (!rc)
    write_scales(l, h);
  if (!rc && l->p.accum)
    rc = accum_tables(l, h, err);
  if (!rc && l->fid->attach)
    rc = l->fid->attach(l, ap, err);
  if (rc) {
    xb__learn_hw_free(l);
    return rc;
  }
  xb__learn_sync_dict(l);
  return XB_OK;
}

int xb__learn_pulse_cell(xb_learner *l, const double *g, size_t i, size_t j,
                         double w, int *rc, xb_err *err)
{
  const xb_elec_params *el = xb_device_elec(l->hw->dev);
  double v = w < 0 ? -el->vw_reset : el->vw_set;
  xb_err e;
  int prc = xb_cells_pulse(l->hw->cells, i * (size_t)l->p.atoms + j, v,
                           fabs(w), 1, &e);
  if (prc) {
#pragma omp critical(xb_learn_pulse)
    if (!*rc) {
      *rc = prc;
      if (err)
        *err = e;
    }
    return prc;
  }
  xb__learn_sync_cell(l, g, i, j);
  return 0;
}

size_t xb__learn_nonzeros(const double *z, size_t m, size_t *nzj)
{
  size_t nz = 0;
  for (size_t j = 0; j < m; j++)
    if (z[j] != 0)
      nzj[nz++] = j;
  return nz;
}

xb_learn_writes xb_learner_writes(const xb_learner *l)
{
  xb_learn_writes none = {0, 0, 0};
  return l && l->hw ? l->hw->st : none;
}
