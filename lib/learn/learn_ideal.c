/*
 * The ideal fidelity (p.fidelity 0, see xbar/learn.h): batched ISTA /
 * FISTA codes and the SGD dictionary update in floating point, the
 * iterations in single precision and everything else in double. Its
 * state is the Gram matrix and the batch work space.
 *
 * Batching. For a mini-batch X (B x dim) the codes Z (B x atoms) use
 *   r = D z - x,  D^T r = G z - D^T x,  G = D^T D,
 * so each iteration is one product Z G (B x atoms x atoms) plus an
 * element-wise step: D^T x and G are formed once per batch. This is the
 * same iterate as the two reads of the array, rearranged for the CPU; the
 * behavioral and circuit fidelities do the two reads as the array would.
 * Products go to BLAS (OpenBLAS, threaded).
 *
 * Workload: 100 atoms, 100 iterations: 2 Mflop per patch; the benchmark
 * target is 20,000 patches per second on two cores.
 */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "learn_impl.h"

typedef struct ideal {
  double *G;    /* atoms x atoms: D^T D */
  double *work; /* batch work space */
  size_t work_cap;
} ideal;

static int ideal_create(xb_learner *l, xb_err *err)
{
  ideal *s = calloc(1, sizeof *s);
  if (s)
    s->G = malloc((size_t)l->p.atoms * l->p.atoms * sizeof(double));
  if (!s || !s->G) {
    free(s);
    return xb__err(err, XB_ENOMEM, "Gram matrix of %d atoms", l->p.atoms);
  }
  l->fs = s;
  return XB_OK;
}

static void ideal_free(xb_learner *l)
{
  ideal *s = l->fs;
  if (!s)
    return;
  free(s->G);
  free(s->work);
  free(s);
  l->fs = NULL;
}

/* Work space for a batch of b patches: Ct (double), four float b x atoms
 * arrays and the float Gram (encode), then R (b x dim, at 3 b atoms
 * doubles; update). */
static int ideal_reserve(xb_learner *l, size_t b, xb_err *err)
{
  ideal *s = l->fs;
  size_t m = (size_t)l->p.atoms;
  size_t need = 3 * b * m + b * (size_t)l->dim + m * m / 2 + 1;
  if (need <= s->work_cap)
    return XB_OK;
  double *w = realloc(s->work, need * sizeof(double));
  if (!w)
    return xb__err(err, XB_ENOMEM, "learning work space for %zu patches", b);
  s->work = w;
  s->work_cap = need;
  return XB_OK;
}

/* G = D^T D (BLAS; encode iterates on it), and the power iteration
 * starts from a fixed vector. */
static void ideal_gram(xb_learner *l)
{
  ideal *s = l->fs;
  int m = l->p.atoms, d = l->dim;
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, m, m, d, 1.0, l->D, m,
              l->D, m, 0.0, s->G, m);
  for (int k = 0; k < m; k++)
    l->pv[k] = 1.0 / sqrt((double)m);
}

static void ideal_gram_apply(const xb_learner *l, const double *v, double *w)
{
  const ideal *s = l->fs;
  int m = l->p.atoms;
  cblas_dsymv(CblasRowMajor, CblasUpper, m, 1.0, s->G, m, v, 1, 0.0, w, 1);
}

/* Codes of b patches X into Z (b x atoms): the iterations run in single
 * precision (the product Z G dominates; float doubles its speed and its
 * rounding, 6e-8, is far below the codes' scale), D^T x, G and the result
 * in double. */
static int ideal_encode(xb_learner *l, const double *X, size_t b, double *Z,
                        xb_err *err)
{
  ideal *s = l->fs;
  int m = l->p.atoms, d = l->dim;
  size_t bm = b * (size_t)m;
  double *Ct = s->work;
  float *Cf = (float *)(Ct + bm), *W = Cf + bm, *Y = W + bm, *Zf = Y + bm;
  float *Gf = Zf + bm;
  float inv = (float)(1.0 / l->L), thr = (float)(l->p.lambda / l->L);
  double t = 1.0;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)b, m, d, 1.0,
              X, d, l->D, m, 0.0, Ct, m);
  for (size_t k = 0; k < bm; k++)
    Cf[k] = (float)Ct[k];
  for (size_t k = 0; k < (size_t)m * m; k++)
    Gf[k] = (float)s->G[k];
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
  return XB_OK;
}

/* The batch's update: D <- clip(D - eta R^T Z), R = Z D^T - X. */
static int ideal_update(xb_learner *l, const double *X, size_t b,
                        const double *Z, xb_err *err)
{
  ideal *s = l->fs;
  int m = l->p.atoms, d = l->dim;
  double *R = s->work + 3 * b * (size_t)m;
  memcpy(R, X, b * (size_t)d * sizeof(double));
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)b, d, m, 1.0, Z,
              m, l->D, m, -1.0, R, d);
  cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, m, (int)b,
              -l->p.eta, R, d, Z, m, 1.0, l->D, m);
  size_t nd = (size_t)d * m;
  for (size_t k = 0; k < nd; k++)
    l->D[k] = l->D[k] < 0 ? 0.0 : (l->D[k] > 1 ? 1.0 : l->D[k]);
  return XB_OK;
}

const xb__learn_fidelity xb__learn_ideal = {
    .name = "ideal",
    .encode = ideal_encode,
    .update = ideal_update,
    .create = ideal_create,
    .free = ideal_free,
    .reserve = ideal_reserve,
    .gram = ideal_gram,
    .gram_apply = ideal_gram_apply,
};
