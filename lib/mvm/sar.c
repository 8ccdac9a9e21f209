/*
 * Behavioral charge-redistribution SAR ADC (see xbar/mvm.h).
 *
 * Workload: one ADC per column of sliced crossbars, up to a few thousand
 * instances, each converting millions of values in an MVM loop: a
 * conversion is k comparisons against cumulative DAC levels (no
 * allocation, no division).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/mvm.h>
#include <xbar/rng.h>

#include "../core/core_impl.h"

#define XB_PARAM_T xb_sar_params
XB_PARAM_SET_DEFINE(xb_sar_param_set, "sar", XB_SAR_PARAMS, NULL)
#undef XB_PARAM_T

/* Noise streams: capacitor draws, then per-conversion noise. */
enum { STREAM_CAPS = 0x5a0, STREAM_NOISE = 0x5a1 };

struct xb_sar {
  xb_sar_params p;
  uint64_t seed;
  double caps[25];  /* dummy, then capacitor k at caps[1 + k] (F) */
  double w[24];     /* v_fs C_k / C_total: the DAC step of bit k */
  double ktc;       /* rms kT/C noise (V), 0 when off */
};

xb_sar *xb_sar_create(const xb_sar_params *p, uint64_t seed, xb_err *err)
{
  xb_sar_params q;
  if (p)
    q = *p;
  else
    xb_param_defaults(&xb_sar_param_set, &q);
  if (xb_param_check(&xb_sar_param_set, &q, err))
    return NULL;
  xb_sar *s = calloc(1, sizeof *s);
  if (!s) {
    xb__err(err, XB_ENOMEM, "SAR ADC");
    return NULL;
  }
  s->p = q;
  s->seed = seed;
  /* Unit u of capacitor k is draw number 2^k + u - 1 (the dummy is 0):
   * every unit has its own draw, so capacitor k sums 2^k of them. */
  double total = 0;
  for (int k = -1; k < q.bits; k++) {
    uint64_t units = k < 0 ? 1 : (uint64_t)1 << k, first = k < 0 ? 0 : units;
    /* c_unit (units + sum of errors): an ideal array is exact binary
     * multiples of c_unit, so its levels are exactly c v_fs / 2^n. */
    double esum = 0;
    if (q.sigma_cu > 0)
      for (uint64_t u = 0; u < units; u++)
        esum += q.sigma_cu * xb_rng_normal(seed, STREAM_CAPS, first + u);
    double c = q.c_unit * ((double)units + esum);
    s->caps[k + 1] = c;
    total += c;
  }
  for (int k = 0; k < q.bits; k++)
    s->w[k] = q.v_fs * s->caps[k + 1] / total;
  s->ktc = q.ktc ? sqrt(1.380649e-23 * q.temp / total) : 0.0;
  return s;
}

void xb_sar_free(xb_sar *s) { free(s); }

const xb_sar_params *xb_sar_params_of(const xb_sar *s) { return &s->p; }

void xb_sar_caps(const xb_sar *s, double *caps)
{
  memcpy(caps, s->caps, (size_t)(s->p.bits + 1) * sizeof(double));
}

double xb_sar_level(const xb_sar *s, uint32_t c)
{
  /* Summed from the top bit down, as a conversion builds its trial
   * levels: the level is bit for bit the one the comparator is given. */
  double v = 0;
  for (int k = s->p.bits - 1; k >= 0; k--)
    if ((c >> k) & 1u)
      v += s->w[k];
  return v;
}

uint32_t xb_sar_convert(const xb_sar *s, double vin, int k, uint64_t pos)
{
  if (k < 1 || k > s->p.bits)
    k = s->p.bits;
  const double noise = s->p.noise;
  uint64_t draw = pos * (uint64_t)(s->p.bits + 1);
  if (s->ktc > 0)
    vin += s->ktc * xb_rng_normal(s->seed, STREAM_NOISE, draw);
  vin -= s->p.offset;
  uint32_t code = 0;
  double level = 0;
  for (int b = k - 1; b >= 0; b--) {
    double trial = level + s->w[b];
    double v = vin;
    if (noise > 0)
      v += noise * xb_rng_normal(s->seed, STREAM_NOISE, draw + 1 + (uint64_t)b);
    if (v >= trial) {
      code |= 1u << b;
      level = trial;
    }
  }
  return code;
}

int xb_sar_code_density(const xb_sar *s, int per_lsb, double *t, double *dnl,
                        double *inl, xb_err *err)
{
  if (!s || per_lsb < 1)
    return xb__err(err, XB_EINVAL, "NULL ADC or per_lsb < 1");
  int n = s->p.bits;
  size_t codes = (size_t)1 << n, N = codes * (size_t)per_lsb;
  double lsb = s->p.v_fs / (double)codes;
  size_t *hist = calloc(codes, sizeof(size_t));
  double *tt = t ? t : malloc(codes * sizeof(double));
  if (!hist || !tt) {
    free(hist);
    if (!t)
      free(tt);
    return xb__err(err, XB_ENOMEM, "code density histogram");
  }
  /* Samples at the centres of N equal bins of [0, v_fs). */
  for (size_t i = 0; i < N; i++) {
    double vin = ((double)i + 0.5) * (s->p.v_fs / (double)N);
    hist[xb_sar_convert(s, vin, n, i)]++;
  }
  /* A transition sits where the cumulative count of lower codes ends. */
  size_t below = 0;
  tt[0] = 0;
  for (size_t c = 1; c < codes; c++) {
    below += hist[c - 1];
    tt[c] = (double)below / (double)per_lsb; /* LSB */
  }
  for (size_t c = 0; c < codes; c++) {
    if (dnl)
      dnl[c] = c == 0 || c + 1 == codes ? 0.0 : tt[c + 1] - tt[c] - 1.0;
    if (inl)
      inl[c] = c == 0 ? 0.0 : tt[c] - (double)c;
  }
  if (t)
    for (size_t c = 0; c < codes; c++)
      t[c] *= lsb; /* to volts */
  else
    free(tt);
  free(hist);
  return XB_OK;
}
