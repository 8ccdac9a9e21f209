/*
 * The circuit fidelity (p.fidelity 2, see xbar/learn.h): every read and
 * every write of the dictionary goes through the array network with its
 * wire parasitics (xb_array, built at attach). A read's bit plane is a DC
 * solve of the array (xb_array_read; unselected lines floating, as in the
 * seed), the batch's planes a plane at a time; a write is the parallel
 * write of the whole array (xb_write_parallel), of the overlap write's
 * levels per patch (learn_overlap.c) or of the accumulate write's pulses
 * a column at a time (learn_accum.c).
 *
 * Read drive: each plane is ranged to its number of driven lines (known
 * digitally), v = v_read / ones, v_read putting ones cells at mid-range
 * conductance at 6.5 spikes, so a read uses the counter's range whatever
 * the sparsity, but never above 90% of Vw/2 (a read must not program the
 * cells): sparse planes then give few spikes, as in the hardware.
 */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn_impl.h"

/* The network of the cells, a the wiring (NULL: defaults). */
static int circuit_attach(xb_learner *l, const xb_array_params *a,
                          xb_err *err)
{
  struct xb_hw *h = l->hw;
  h->arr = xb_array_create((size_t)l->dim, (size_t)l->p.atoms, a, err);
  if (!h->arr)
    return err ? err->code : XB_ENOMEM;
  return xb_array_set_cells(h->arr, h->cells, err);
}

/* Planes and currents for a batch of b patches. */
static int circuit_work(struct xb_hw *h, size_t b, size_t dim, size_t m,
                        xb_err *err)
{
  size_t need = (b > 4 ? b : 4) * (dim > m ? dim : m);
  if (need <= h->cap)
    return XB_OK;
  float *p = realloc(h->plane, need * sizeof(float));
  if (!p)
    return xb__err(err, XB_ENOMEM, "read planes");
  h->plane = p;
  float *c = realloc(h->cur, need * sizeof(float));
  if (!c)
    return xb__err(err, XB_ENOMEM, "read currents");
  h->cur = c;
  h->cap = need;
  return XB_OK;
}

/* Plane currents for a batch, per volt of drive: in_axis XB_COL drives
 * columns (atoms) with plane (b x m), giving row currents (b x dim); XB_ROW
 * drives rows with plane (b x dim), giving column currents (b x m).
 * Entries of the plane are -1, 0, +1 (the drive's sign); patch s is driven
 * at vs[s]: the array is solved at that voltage and the currents divided
 * by it. */
static int plane_currents(xb_learner *l, int in_axis, size_t b,
                          const double *vs, xb_err *err)
{
  struct xb_hw *h = l->hw;
  size_t dim = (size_t)l->dim, m = (size_t)l->p.atoms;
  size_t nin = in_axis == XB_COL ? m : dim;
  size_t nout = in_axis == XB_COL ? dim : m;
  double *vin = malloc(nin * sizeof(double));
  double *cur_a = malloc(nout * sizeof(double));
  unsigned char *act = malloc(nin);
  int rc = (!vin || !cur_a || !act) ? xb__err(err, XB_ENOMEM, "plane read")
                                    : XB_OK;
  for (size_t s = 0; !rc && s < b; s++) {
    const float *pl = h->plane + s * nin;
    int any = 0;
    for (size_t k = 0; k < nin; k++) {
      act[k] = pl[k] != 0;
      vin[k] = h->v_reset + pl[k] * vs[s];
      any |= act[k];
    }
    float *cur = h->cur + s * nout;
    if (!any) { /* nothing driven: no current */
      for (size_t k = 0; k < nout; k++)
        cur[k] = 0;
      continue;
    }
    rc = xb_array_read(h->arr, in_axis, vin, act, XB_LINE_FLOAT, 0.0,
                       h->v_reset, cur_a, err);
    for (size_t k = 0; !rc && k < nout; k++)
      cur[k] = (float)(cur_a[k] / vs[s]);
  }
  free(vin);
  free(cur_a);
  free(act);
  return rc;
}

/* One bit-serial read through the network: q (b x nin) holds the signed
 * 4-bit inputs; out (b x nout) receives the estimate of the matrix
 * product with D (in D units, before the input scale); vs (b) the planes'
 * drives (see the header). */
static int read_product(xb_learner *l, int in_axis, const int *q, size_t b,
                        double *out, double *vs, xb_err *err)
{
  struct xb_hw *h = l->hw;
  size_t dim = (size_t)l->dim, m = (size_t)l->p.atoms;
  size_t nin = in_axis == XB_COL ? m : dim, nout = in_axis == XB_COL ? dim : m;
  float *acc = calloc(b * nout, sizeof(float));
  if (!acc)
    return xb__err(err, XB_ENOMEM, "read sums");
  for (int bit = 0; bit < 4; bit++) {
    for (size_t s = 0; s < b; s++) {
      const int *qs = q + s * nin;
      float *pl = h->plane + s * nin;
      int ones = 0;
      for (size_t k = 0; k < nin; k++) {
        int a = qs[k] < 0 ? -qs[k] : qs[k], on = (a >> bit) & 1;
        pl[k] = (float)(qs[k] < 0 ? -on : on);
        ones += on;
      }
      vs[s] = fmin(h->v_read / (ones > 0 ? ones : 1), h->v_cap);
    }
    int rc = plane_currents(l, in_axis, b, vs, err);
    if (rc) {
      free(acc);
      return rc;
    }
    for (size_t s = 0; s < b; s++) {
      const float *pl = h->plane + s * nin;
      float net = 0; /* signed count of driven lines: the Gmin offset */
      for (size_t k = 0; k < nin; k++)
        net += pl[k];
      xb__learn_count_add(h, h->cur + s * nout, nout, (float)vs[s], net,
                          (float)((double)(1 << bit) / (h->gmax - h->gmin)),
                          acc + s * nout);
    }
  }
  for (size_t k = 0; k < b * nout; k++)
    out[k] = acc[k];
  free(acc);
  return XB_OK;
}

/* The batch's codes, every read a bit plane of the whole batch at a
 * time through the network. */
static int circuit_encode(xb_learner *l, const double *X, size_t b,
                          double *Z, xb_err *err)
{
  struct xb_hw *h = l->hw;
  size_t dim = (size_t)l->dim, m = (size_t)l->p.atoms;
  int rc = circuit_work(h, b, dim, m, err);
  int *qz = malloc(b * m * sizeof(int)), *qr = malloc(b * dim * sizeof(int));
  double *dz = malloc(b * dim * sizeof(double));
  double *dtr = malloc(b * m * sizeof(double));
  double *vs = malloc(b * sizeof(double)), *Y = calloc(b * m, sizeof(double));
  if (!rc && (!qz || !qr || !dz || !dtr || !vs || !Y))
    rc = xb__err(err, XB_ENOMEM, "circuit codes");
  double inv = 1.0 / l->L, thr = l->p.lambda / l->L, t = 1.0;
  double zs = 15.0 / l->p.z_full, rs = 15.0 / l->p.r_full;
  memset(Z, 0, b * m * sizeof(double));
  for (int it = 0; !rc && it < l->p.iters; it++) {
    double mom = xb__learn_momentum(l->p.fista, &t);
    xb__learn_quant_codes(Y, b * m, zs, qz);
    rc = read_product(l, XB_COL, qz, b, dz, vs, err); /* D zq */
    if (rc)
      break;
    xb__learn_quant_resid(dz, X, b * dim, zs, rs, qr);
    rc = read_product(l, XB_ROW, qr, b, dtr, vs, err); /* D^T rq */
    if (!rc)
      xb__learn_step_codes(Y, Z, dtr, b * m, rs, inv, thr, mom, l->p.fista);
  }
  if (!rc && !l->p.fista)
    memcpy(Z, Y, b * m * sizeof(double));
  if (!rc)
    xb__learn_hold_codes(l, b, Z);
  free(qz);
  free(qr);
  free(dz);
  free(dtr);
  free(vs);
  free(Y);
  return rc;
}

/* The overlap write: each patch's parallel write of its r and Z levels
 * through the network, in order. */
static int circuit_update(xb_learner *l, const double *X, size_t b,
                          const double *Z, xb_err *err)
{
  struct xb_hw *h = l->hw;
  assert(h && h->arr);
  size_t dim = (size_t)l->dim, m = (size_t)l->p.atoms;
  int *rq = malloc((dim + 3) * sizeof(int)), *zq = malloc(m * sizeof(int));
  size_t *nzj = malloc(m * sizeof(size_t));
  int rc = (!rq || !zq || !nzj) ? xb__err(err, XB_ENOMEM, "write") : XB_OK;
  for (size_t s = 0; !rc && s < b; s++) {
    const double *z = Z + s * m, *x = X + s * dim;
    size_t nz = xb__learn_z_levels(l, z, h->writes, zq, nzj);
    for (size_t blk = 0; blk < (dim + 3) / 4; blk++)
      xb__learn_r_levels(l, blk, x, z, nzj, nz, h->writes, rq + 4 * blk);
    h->writes++;
    rc = xb_write_parallel(h->arr, h->cells, &h->wp, rq, zq, NULL, err);
    if (!rc) {
      xb__learn_sync_dict(l);
      h->st.patches++;
      h->st.periods += (uint64_t)h->wp.reps;
    }
  }
  free(rq);
  free(zq);
  free(nzj);
  return rc;
}

/* The accumulate write: per patch, every row's sums, then each column
 * with pulses written through the network
 * (xb_write_parallel, one repetition per period): the column's Z window
 * full, the others empty, each row's r the pulses still owed to its cell
 * there (at most r_levels a period, sign reversed: r < 0 potentiates). */
static int circuit_update_accum(xb_learner *l, const double *X, size_t b,
                                const double *Z, xb_err *err)
{
  struct xb_hw *h = l->hw;
  assert(h && h->arr && h->acc);
  size_t dim = (size_t)l->dim, m = (size_t)l->p.atoms;
  long R = h->wp.r_levels;
  xb_write_params w1 = h->wp;
  w1.reps = 1;
  long *n = malloc(dim * m * sizeof(long));
  int *rq = malloc(dim * sizeof(int)), *zq = calloc(m, sizeof(int));
  size_t *nzj = malloc(m * sizeof(size_t));
  int rc = (!n || !rq || !zq || !nzj) ? xb__err(err, XB_ENOMEM, "write")
                                      : XB_OK;
  for (size_t s = 0; !rc && s < b; s++) {
    const double *z = Z + s * m;
    size_t nz = xb__learn_nonzeros(z, m, nzj);
    for (size_t i = 0; i < dim; i++)
      xb__learn_accum_row(l, i, X[s * dim + i], z, nzj, nz, n + i * nz);
    for (size_t t = 0; !rc && t < nz; t++) {
      size_t j = nzj[t];
      for (;;) {
        int any = 0;
        for (size_t i = 0; i < dim; i++) {
          long *left = n + i * nz + t;
          long q = *left > R ? R : (*left < -R ? -R : *left);
          *left -= q;
          rq[i] = (int)-q;
          any |= q != 0;
          h->st.pulses += (uint64_t)labs(q);
        }
        if (!any)
          break;
        zq[j] = w1.zbits;
        rc = xb_write_parallel(h->arr, h->cells, &w1, rq, zq, NULL, err);
        zq[j] = 0;
        h->st.periods++;
        if (rc)
          break;
      }
    }
    xb__learn_sync_dict(l);
    h->st.patches++;
    h->writes++;
  }
  free(n);
  free(rq);
  free(zq);
  free(nzj);
  return rc;
}

const xb__learn_fidelity xb__learn_circuit = {
    .name = "circuit",
    .needs_array = 1,
    .encode = circuit_encode,
    .update = circuit_update,
    .update_accum = circuit_update_accum,
    .power_tol = 1e-9,
    .attach = circuit_attach,
};
