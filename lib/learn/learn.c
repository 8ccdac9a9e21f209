/*
 * PARCA dictionary learning (see xbar/learn.h): the learner and the loops
 * it runs over its fidelity. A fidelity (learn_impl.h: ideal, behavioral,
 * circuit) is chosen at create from p.fidelity and gives the batch's
 * codes (encode) and the dictionary update (update, or update_accum for
 * the accumulate write); this file owns D, the power iteration for L and
 * the batch loops of encode, train and evaluate, and never asks which
 * fidelity it runs.
 *
 * L is the largest eigenvalue of D^T D by power iteration, with a 1%
 * margin so the step stays below 1 / L_true. The fidelity may form a
 * Gram matrix first and apply it (ideal); otherwise w = D^T (D v) runs as
 * plain loops here (the array fidelities' reads run on OpenMP threads,
 * and a threaded BLAS call between batches would leave OpenBLAS's own
 * threads spinning against them).
 *
 * Codes for a mini-batch are computed with the dictionary as it stands at
 * the start of the batch; the batch's updates are then applied.
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/learn.h>
#include <xbar/rng.h>

#include "learn_impl.h"

#define XB_PARAM_T xb_learn_params
XB_PARAM_SET_DEFINE(xb_learn_param_set, "learn", XB_LEARN_PARAMS, NULL)
#undef XB_PARAM_T

/* By p.fidelity (its range is checked before use). */
static const xb__learn_fidelity *const fidelities[] = {
    &xb__learn_ideal, &xb__learn_behavioral, &xb__learn_circuit};

xb_learner *xb_learner_create(int dim, const xb_learn_params *p,
                              const double *D0, uint64_t seed, xb_err *err)
{
  xb_learn_params q;
  if (p)
    q = *p;
  else
    xb_param_defaults(&xb_learn_param_set, &q);
  if (dim < 1 || dim > 1 << 20) {
    xb__err(err, XB_ESIZE, "patch dimension %d outside 1..2^20", dim);
    return NULL;
  }
  if (xb_param_check(&xb_learn_param_set, &q, err))
    return NULL;
  xb_learner *l = calloc(1, sizeof *l);
  if (!l) {
    xb__err(err, XB_ENOMEM, "learner");
    return NULL;
  }
  l->dim = dim;
  l->p = q;
  l->seed = seed;
  size_t nd = (size_t)dim * q.atoms;
  l->D = malloc(nd * sizeof(double));
  l->pv = malloc(2 * (size_t)q.atoms * sizeof(double));
  if (!l->D || !l->pv) {
    xb__err(err, XB_ENOMEM, "dictionary %d x %d", dim, q.atoms);
    goto fail;
  }
  for (size_t k = 0; k < nd; k++) {
    double v = D0 ? D0[k] : xb_rng_uniform(seed, 0x1d1c7ull, k);
    if (!(v >= 0 && v <= 1)) {
      xb__err_set(err, XB_ERANGE, NULL, 0, "D0", 0, 1,
                  "initial dictionary entry %zu = %g outside [0, 1]", k, v);
      goto fail;
    }
    l->D[k] = v;
  }
  for (int k = 0; k < q.atoms; k++)
    l->pv[k] = 1.0 / sqrt((double)q.atoms);
  l->fid = fidelities[q.fidelity];
  l->update = q.accum && l->fid->update_accum ? l->fid->update_accum
                                              : l->fid->update;
  if (l->fid->create && l->fid->create(l, err))
    goto fail;
  return l;
fail:
  xb_learner_free(l);
  return NULL;
}

void xb_learner_free(xb_learner *l)
{
  if (!l)
    return;
  if (l->fid && l->fid->free)
    l->fid->free(l);
  xb__learn_hw_free(l);
  free(l->D);
  free(l->pv);
  free(l);
}

const double *xb_learner_dict(const xb_learner *l) { return l->D; }
int xb_learner_dim(const xb_learner *l) { return l->dim; }
const xb_learn_params *xb_learner_params(const xb_learner *l) { return &l->p; }
double xb_learner_lipschitz(const xb_learner *l) { return l->L; }

/* w = D^T (D v), plain loops. */
static void gram_apply(const xb_learner *l, const double *v, double *w)
{
  int m = l->p.atoms, d = l->dim;
  memset(w, 0, (size_t)m * sizeof(double));
  for (int i = 0; i < d; i++) {
    const double *row = l->D + (size_t)i * m;
    double a = 0;
    for (int j = 0; j < m; j++)
      a += row[j] * v[j];
    for (int j = 0; j < m; j++)
      w[j] += a * row[j];
  }
}

/* L of the present D into l->L, from the vector in l->pv (the previous
 * one, or the fidelity's gram's start). */
static void lipschitz(xb_learner *l)
{
  const xb__learn_fidelity *f = l->fid;
  int m = l->p.atoms;
  double lam = 0, prev = 0, tol = f->power_tol;
  double *v = l->pv, *w = l->pv + m;
  if (f->gram)
    f->gram(l);
  for (int it = 0; it < l->p.power_iters; it++) {
    if (f->gram_apply)
      f->gram_apply(l, v, w);
    else
      gram_apply(l, v, w);
    double nrm = 0;
    lam = 0;
    for (int k = 0; k < m; k++) {
      nrm += w[k] * w[k];
      lam += v[k] * w[k];
    }
    nrm = sqrt(nrm);
    if (!(nrm > 0))
      break;
    for (int k = 0; k < m; k++)
      v[k] = w[k] / nrm;
    if (tol > 0 && it > 0 && fabs(lam - prev) <= tol * lam)
      break;
    prev = lam;
  }
  if (!(lam > 0)) { /* D = 0: restart from the uniform vector next time */
    for (int k = 0; k < m; k++)
      v[k] = 1.0 / sqrt((double)m);
  }
  l->L = lam > 0 ? 1.01 * lam : 1.0;
}

/* Work space for batches of up to b patches. */
static int reserve(xb_learner *l, size_t b, xb_err *err)
{
  return l->fid->reserve ? l->fid->reserve(l, b, err) : XB_OK;
}

static int encode_batch(xb_learner *l, const double *X, size_t b, double *Z,
                        xb_err *err)
{
  if (l->fid->needs_array && !l->hw)
    return xb__err(err, XB_ESTATE,
                   "fidelity %d needs xb_learner_attach first",
                   l->p.fidelity);
  return l->fid->encode(l, X, b, Z, err);
}

int xb_learner_encode(xb_learner *l, const double *X, size_t n, double *Z,
                      xb_err *err)
{
  if (!l || !X || !Z)
    return xb__err(err, XB_EINVAL, "NULL argument");
  size_t B = (size_t)l->p.batch;
  int rc = reserve(l, B < n ? B : n, err);
  if (rc)
    return rc;
  lipschitz(l);
  for (size_t s = 0; s < n && !rc; s += B) {
    size_t b = n - s < B ? n - s : B;
    rc = encode_batch(l, X + s * l->dim, b, Z + s * (size_t)l->p.atoms, err);
  }
  return rc;
}

int xb_learner_train(xb_learner *l, const double *X, size_t n,
                     xb_progress_fn progress, void *user, xb_err *err)
{
  if (!l || !X)
    return xb__err(err, XB_EINVAL, "NULL argument");
  size_t B = (size_t)l->p.batch, m = (size_t)l->p.atoms;
  int rc = reserve(l, B < n ? B : n, err);
  double *Z = malloc((B < n ? B : n) * m * sizeof(double));
  if (!rc && !Z)
    rc = xb__err(err, XB_ENOMEM, "codes of a batch");
  for (size_t s = 0; s < n && !rc; s += B) {
    size_t b = n - s < B ? n - s : B;
    const double *Xb = X + s * l->dim;
    lipschitz(l);
    rc = encode_batch(l, Xb, b, Z, err);
    if (!rc)
      rc = l->update(l, Xb, b, Z, err);
    if (!rc && progress && progress(user, s + b, n))
      break;
  }
  free(Z);
  return rc;
}

int xb_learner_evaluate(xb_learner *l, const double *X, size_t n,
                        xb_learn_eval *out, xb_err *err)
{
  if (!l || !X || !out || !n)
    return xb__err(err, XB_EINVAL, "NULL argument or no patches");
  size_t m = (size_t)l->p.atoms, d = (size_t)l->dim;
  double *Z = malloc(n * m * sizeof(double));
  double *R = malloc(n * d * sizeof(double));
  int rc = (!Z || !R) ? xb__err(err, XB_ENOMEM, "evaluation") : XB_OK;
  if (!rc)
    rc = xb_learner_encode(l, X, n, Z, err);
  if (!rc) {
    memcpy(R, X, n * d * sizeof(double));
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)d,
                (int)m, 1.0, Z, (int)m, l->D, (int)m, -1.0, R, (int)d);
    double se = 0, sx = 0, nz = 0;
    for (size_t k = 0; k < n * d; k++) {
      se += R[k] * R[k];
      sx += X[k] * X[k];
    }
    for (size_t k = 0; k < n * m; k++)
      nz += Z[k] != 0;
    out->rel_err = sx > 0 ? sqrt(se / sx) : 0;
    double mse = se / (double)(n * d);
    out->psnr = mse > 0 ? 10 * log10(1.0 / mse) : INFINITY;
    out->mean_l0 = nz / (double)n;
  }
  free(Z);
  free(R);
  return rc;
}
