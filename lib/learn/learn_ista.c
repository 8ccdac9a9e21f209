/*
 * The digital side of ISTA with the array in the loop, shared by the
 * behavioral (learn_behavioral.c) and circuit (learn_circuit.c)
 * fidelities: the 4-bit inputs of the two reads, the decoding of a bit
 * plane's spike counts back to currents and their shift-and-add, the
 * soft-threshold step with FISTA momentum, and the 4-bit codes the
 * hardware holds at the end.
 *
 * One iteration: zq = round(15 y / z_full) in 0..15 (y the code, or with
 * FISTA the momentum point; negative entries apply as 0: the Z drive is
 * unsigned); read D zq; r = (D zq)_read - x as sign and 4 bits, rq =
 * round(15 r / r_full); read D^T rq; z = max(0, y - (D^T r)_read / L -
 * lambda / L). The kernels are built for AVX-512, AVX2 and plain x86-64.
 */
#include <math.h>

#include "learn_impl.h"

/* The read input: the code, or with FISTA the momentum point, as 4
 * unsigned bits (negative momentum points apply as 0). */
XB__LEARN_CLONES
void xb__learn_quant_codes(const double *Y, size_t n, double zs, int *qz)
{
  for (size_t k = 0; k < n; k++) {
    int v = (int)(Y[k] * zs + 0.5);
    qz[k] = v > 15 ? 15 : (v < 0 ? 0 : v);
  }
}

/* r = (D zq)_read - x as sign and 4 bits. */
XB__LEARN_CLONES
void xb__learn_quant_resid(const double *dz, const double *X, size_t n,
                           double zs, double rs, int *qr)
{
  for (size_t k = 0; k < n; k++) {
    double r = (dz[k] / zs - X[k]) * rs;
    r = r > 15 ? 15 : (r < -15 ? -15 : r);
    qr[k] = (int)(r + 15.5) - 15; /* floor(r + 1/2): r + 15.5 > 0 */
  }
}

/* z = max(0, y - (D^T r)_read / L - lambda / L); with FISTA the next read
 * point y = z + mom (z - z_old). */
XB__LEARN_CLONES
void xb__learn_step_codes(double *Y, double *Zc, const double *dtr, size_t n,
                          double rs, double inv, double thr, double mom,
                          int fista)
{
  for (size_t k = 0; k < n; k++) {
    double z = Y[k] - dtr[k] / rs * inv - thr;
    z = z > 0 ? z : 0.0;
    if (fista) {
      Y[k] = z + mom * (z - Zc[k]);
      Zc[k] = z;
    } else {
      Y[k] = z;
    }
  }
}

/* FISTA momentum of the next iteration, advancing t (0 for ISTA). */
double xb__learn_momentum(int fista, double *t)
{
  if (!fista)
    return 0.0;
  double tn = 0.5 * (1.0 + sqrt(1.0 + 4.0 * *t * *t)), mom = (*t - 1) / tn;
  *t = tn;
  return mom;
}

/* The counter and its decoding for one plane of one patch: the current
 * v cu[k] becomes a spike count (thresholds ithr), the count the middle of
 * its current interval (iest), written as a sum of steps so the loop has
 * no table lookup and vectorises (a binary search by vector permutes was
 * slower); then the Gmin offset (Gmin v times the signed count net of
 * driven lines, known digitally) goes and the result is added to out in
 * D units (times scale). */
XB__LEARN_CLONES
void xb__learn_count_add(const struct xb_hw *h, const float *restrict cu,
                         size_t n, float v, float net, float scale,
                         float *restrict out)
{
  float t[8], step[8];
  for (int k = 1; k < 8; k++) {
    t[k] = (float)h->ithr[k];
    step[k] = (float)(h->iest[k] - h->iest[k - 1]);
  }
  const float iv = 1.0f / v, off = (float)h->gmin * net;
  for (size_t k = 0; k < n; k++) {
    float c = v * cu[k], a = c < 0 ? -c : c, iq = 0;
    for (int j = 1; j < 8; j++)
      iq += a >= t[j] ? step[j] : 0.0f;
    iq = c < 0 ? -iq : iq;
    out[k] += (iq * iv - off) * scale;
  }
}

/* The codes Z (b x atoms) as the hardware holds them: 4 bits. */
void xb__learn_hold_codes(const xb_learner *l, size_t b, double *Z)
{
  double zs = 15.0 / l->p.z_full;
  size_t n = b * (size_t)l->p.atoms;
  for (size_t k = 0; k < n; k++) {
    long v = lround(Z[k] * zs);
    Z[k] = (v > 15 ? 15 : v) / zs;
  }
}
