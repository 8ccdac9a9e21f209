/*
 * PARCA dictionary learning (see xbar/learn.h): batched ISTA / FISTA codes
 * and the SGD dictionary update, at ideal fidelity in double precision.
 *
 * Batching. For a mini-batch X (B x dim) the codes Z (B x atoms) use
 *   r = D z - x,  D^T r = G z - D^T x,  G = D^T D,
 * so each iteration is one product Z G (B x atoms x atoms) plus an
 * element-wise step: D^T x and G are formed once per batch. This is the
 * same iterate as the two reads of the array, rearranged for the CPU; the
 * behavioral and circuit fidelities (learn_hw.c) do the two reads as the
 * array would. Products go to BLAS (OpenBLAS, threaded).
 *
 * Workload: 100 atoms, 100 iterations: 2 Mflop per patch; the benchmark
 * target is 20,000 patches per second on two cores.
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
  l->G = malloc((size_t)q.atoms * q.atoms * sizeof(double));
  l->pv = malloc(2 * (size_t)q.atoms * sizeof(double));
  if (!l->D || !l->G || !l->pv) {
    xb__err(err, XB_ENOMEM, "dictionary %d x %d", dim, q.atoms);
    xb_learner_free(l);
    return NULL;
  }
  for (size_t k = 0; k < nd; k++) {
    double v = D0 ? D0[k] : xb_rng_uniform(seed, 0x1d1c7ull, k);
    if (!(v >= 0 && v <= 1)) {
      xb__err_set(err, XB_ERANGE, NULL, 0, "D0", 0, 1,
                  "initial dictionary entry %zu = %g outside [0, 1]", k, v);
      xb_learner_free(l);
      return NULL;
    }
    l->D[k] = v;
  }
  for (int k = 0; k < q.atoms; k++)
    l->pv[k] = 1.0 / sqrt((double)q.atoms);
  return l;
}

void xb_learner_free(xb_learner *l)
{
  if (!l)
    return;
  xb__learn_hw_free(l);
  free(l->D);
  free(l->G);
  free(l->pv);
  free(l->work);
  free(l);
}

const double *xb_learner_dict(const xb_learner *l) { return l->D; }
int xb_learner_dim(const xb_learner *l) { return l->dim; }
const xb_learn_params *xb_learner_params(const xb_learner *l) { return &l->p; }
double xb_learner_lipschitz(const xb_learner *l) { return l->L; }

/* Work space for a batch of b patches: Ct (double), four float b x atoms
 * arrays and the float Gram (encode_ideal), then R (b x dim, at 3 b atoms
 * doubles; update_ideal). */
int xb__learn_work(xb_learner *l, size_t b, xb_err *err)
{
  size_t m = (size_t)l->p.atoms;
  size_t need = 3 * b * m + b * (size_t)l->dim + m * m / 2 + 1;
  if (need <= l->work_cap)
    return XB_OK;
  double *w = realloc(l->work, need * sizeof(double));
  if (!w)
    return xb__err(err, XB_ENOMEM, "learning work space for %zu patches", b);
  l->work = w;
  l->work_cap = need;
  return XB_OK;
}

/* L = the largest eigenvalue of D^T D by power iteration (1% margin so
 * the step stays below 1 / L_true).
 * Ideal fidelity: G = D^T D (BLAS; encode_ideal iterates on it), power
 * iteration from a fixed start vector.
 * Array fidelities: w = D^T (D v) with plain loops (their reads run on
 * OpenMP threads, and a threaded BLAS call between batches would leave
 * OpenBLAS's own threads spinning against them), warm-started from the
 * previous batch's vector and stopped when the estimate settles to 1e-9. */
void xb__learn_gram(xb_learner *l)
{
  int m = l->p.atoms, d = l->dim;
  double lam = 0, prev = 0;
  double *v = l->pv, *w = l->pv + m;
  if (l->p.fidelity == 0) {
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, m, d, 1.0, l->D,
                m, l->D, m, 0.0, l->G, m);
    for (int k = 0; k < m; k++)
      v[k] = 1.0 / sqrt((double)m);
  }
  for (int it = 0; it < l->p.power_iters; it++) {
    if (l->p.fidelity == 0) {
      cblas_dsymv(CblasRowMajor, CblasUpper, m, 1.0, l->G, m, v, 1, 0.0, w,
                  1);
    } else {
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
    if (l->p.fidelity != 0 && it > 0 && fabs(lam - prev) <= 1e-9 * lam)
      break;
    prev = lam;
  }
  if (!(lam > 0)) { /* D = 0: restart from the uniform vector next time */
    for (int k = 0; k < m; k++)
      v[k] = 1.0 / sqrt((double)m);
  }
  l->L = lam > 0 ? 1.01 * lam : 1.0;
}

/* Ideal codes of b patches X into Z (b x atoms): the iterations run in
 * single precision (the product Z G dominates; float doubles its speed and
 * its rounding, 6e-8, is far below the codes' scale), D^T x, G and the
 * result in double. */
static void encode_ideal(xb_learner *l, const double *X, size_t b, double *Z)
{
  int m = l->p.atoms, d = l->dim;
  size_t bm = b * (size_t)m;
  double *Ct = l->work;
  float *Cf = (float *)(Ct + bm), *W = Cf + bm, *Y = W + bm, *Zf = Y + bm;
  float *Gf = Zf + bm;
  float inv = (float)(1.0 / l->L), thr = (float)(l->p.lambda / l->L);
  double t = 1.0;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)b, m, d, 1.0,
              X, d, l->D, m, 0.0, Ct, m);
  for (size_t k = 0; k < bm; k++)
    Cf[k] = (float)Ct[k];
  for (size_t k = 0; k < (size_t)m * m; k++)
    Gf[k] = (float)l->G[k];
  memset(Zf, 0, bm * sizeof(float));
  memset(W, 0, bm * sizeof(float));
  for (int it = 0; it < l->p.iters; it++) {
    /* Y = W G: the gradient D^T (D w - x) is Y - Ct. */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)b, m, m, 1.0f,
                W, m, Gf, m, 0.0f, Y, m);
    if (!l->p.fista) {
      for (size_t k = 0; k < bm; k++) {
        float z = W[k] - (Y[k] - Cf[k]) * inv - thr;
        W[k] = z > 0 ? z : 0.0f;
      }
    } else {
      double tn = 0.5 * (1.0 + sqrt(1.0 + 4.0 * t * t));
      float mom = (float)((t - 1) / tn);
      for (size_t k = 0; k < bm; k++) {
        float z = W[k] - (Y[k] - Cf[k]) * inv - thr;
        z = z > 0 ? z : 0.0f;
        W[k] = z + mom * (z - Zf[k]);
        Zf[k] = z;
      }
      t = tn;
    }
  }
  const float *res = l->p.fista ? Zf : W;
  for (size_t k = 0; k < bm; k++)
    Z[k] = res[k];
}

int xb__learn_encode_batch(xb_learner *l, const double *X, size_t b,
                           double *Z, xb_err *err)
{
  if (l->p.fidelity == 0) {
    encode_ideal(l, X, b, Z);
    return XB_OK;
  }
  return xb__learn_hw_encode(l, X, b, Z, err);
}

int xb_learner_encode(xb_learner *l, const double *X, size_t n, double *Z,
                      xb_err *err)
{
  if (!l || !X || !Z)
    return xb__err(err, XB_EINVAL, "NULL argument");
  size_t B = (size_t)l->p.batch;
  int rc = xb__learn_work(l, B < n ? B : n, err);
  if (rc)
    return rc;
  xb__learn_gram(l);
  for (size_t s = 0; s < n && !rc; s += B) {
    size_t b = n - s < B ? n - s : B;
    rc = xb__learn_encode_batch(l, X + s * l->dim, b,
                                Z + s * (size_t)l->p.atoms, err);
  }
  return rc;
}

/* Ideal update of the batch: D <- clip(D - eta R^T Z), R = Z D^T - X. */
static void update_ideal(xb_learner *l, const double *X, size_t b,
                         const double *Z)
{
  int m = l->p.atoms, d = l->dim;
  double *R = l->work + 3 * b * (size_t)m;
  memcpy(R, X, b * (size_t)d * sizeof(double));
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)b, d, m, 1.0, Z,
              m, l->D, m, -1.0, R, d);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, m, (int)b,
              -l->p.eta, R, d, Z, m, 1.0, l->D, m);
  size_t nd = (size_t)d * m;
  for (size_t k = 0; k < nd; k++)
    l->D[k] = l->D[k] < 0 ? 0.0 : (l->D[k] > 1 ? 1.0 : l->D[k]);
}

int xb_learner_train(xb_learner *l, const double *X, size_t n,
                     xb_progress_fn progress, void *user, xb_err *err)
{
  if (!l || !X)
    return xb__err(err, XB_EINVAL, "NULL argument");
  size_t B = (size_t)l->p.batch, m = (size_t)l->p.atoms;
  int rc = xb__learn_work(l, B < n ? B : n, err);
  double *Z = malloc((B < n ? B : n) * m * sizeof(double));
  if (!rc && !Z)
    rc = xb__err(err, XB_ENOMEM, "codes of a batch");
  for (size_t s = 0; s < n && !rc; s += B) {
    size_t b = n - s < B ? n - s : B;
    const double *Xb = X + s * l->dim;
    xb__learn_gram(l);
    rc = xb__learn_encode_batch(l, Xb, b, Z, err);
    if (rc)
      break;
    if (l->p.fidelity == 0)
      update_ideal(l, Xb, b, Z);
    else
      rc = xb__learn_hw_update(l, Xb, b, Z, err);
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
