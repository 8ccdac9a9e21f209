/*
 * A Monte Carlo study and its sampling: the parameters, sample count,
 * seed and sampling kind, and the values of sample i drawn from them,
 * plain (u from the Philox stream (seed, parameter) at position i) or
 * Latin hypercube (u moved into the sample's stratum of a keyed
 * permutation). A sample depends on (seed, i) alone, so any thread may
 * draw any sample in any order.
 *
 * Workload: 1e2 to 1e7 samples, up to a few dozen parameters. LHS strata
 * come from a keyed permutation function, so a study of any N needs no
 * memory per sample.
 */
#include <stdlib.h>
#include <string.h>

#include <xbar/rng.h>

#include "mc_impl.h"

/* Philox streams: (tag << 32) | parameter index. */
#define STREAM_U (0x4c4855ull << 32)
#define STREAM_PERM (0x4c4850ull << 32)

xb_mc_study *xb_mc_study_create(const xb_mc_param *params, size_t n,
                                size_t samples, uint64_t seed, int lhs,
                                xb_err *err)
{
  if ((n && !params) || !samples || samples > UINT32_MAX) {
    xb__err(err, XB_ERANGE, "Monte Carlo: %zu samples (1 .. 2^32 - 1)",
            samples);
    return NULL;
  }
  for (size_t k = 0; k < n; k++)
    if (xb__mc_param_check(&params[k], err))
      return NULL;
  xb_mc_study *s = calloc(1, sizeof *s);
  if (!s) {
    xb__err(err, XB_ENOMEM, "Monte Carlo study");
    return NULL;
  }
  s->np = n;
  s->n = samples;
  s->seed = seed;
  s->lhs = lhs != 0;
  s->p = malloc((n ? n : 1) * sizeof *s->p);
  if (s->p && n)
    memcpy(s->p, params, n * sizeof *s->p);
  while (((uint64_t)1 << (2 * s->half)) < samples)
    s->half++;
  if (!s->p) {
    xb_mc_study_free(s);
    xb__err(err, XB_ENOMEM, "Monte Carlo study of %zu samples", samples);
    return NULL;
  }
  return s;
}

void xb_mc_study_free(xb_mc_study *s)
{
  if (!s)
    return;
  free(s->p);
  free(s);
}

size_t xb_mc_study_samples(const xb_mc_study *s) { return s->n; }
size_t xb_mc_study_nparams(const xb_mc_study *s) { return s->np; }
const xb_mc_param *xb_mc_study_param(const xb_mc_study *s, size_t p)
{
  return p < s->np ? &s->p[p] : NULL;
}

int xb_mc_study_find(const xb_mc_study *s, const char *name)
{
  for (size_t k = 0; k < s->np; k++)
    if (!strcmp(s->p[k].name, name))
      return (int)k;
  return -1;
}

const char *xb_mc_study_get(const xb_mc_study *s, const char *key)
{
  for (size_t k = 0; k < s->nkeys; k++)
    if (!strcmp(s->keys[k][0], key))
      return s->keys[k][1];
  return NULL;
}

/* LHS stratum of sample i for parameter k: a pseudo-random permutation of
 * 0..n-1 that needs no table. A balanced Feistel network of 6 rounds (the
 * round function a Philox block keyed by the seed, the parameter and the
 * round) permutes 0 .. 4^half - 1; values at or above n walk the cycle on
 * until they land below n, which keeps it a bijection of 0..n-1 (4^half <
 * 4n, so under four steps on average). */
static uint64_t stratum(const xb_mc_study *s, size_t k, uint64_t i)
{
  const uint64_t mask = ((uint64_t)1 << s->half) - 1;
  uint64_t x = i;
  do {
    uint64_t l = x >> s->half, r = x & mask;
    for (uint64_t round = 0; round < 6; round++) {
      uint32_t w[4];
      xb_rng_words(s->seed, STREAM_PERM | k, (round << 40) | r, w);
      uint64_t t = l ^ ((((uint64_t)w[1] << 32) | w[0]) & mask);
      l = r;
      r = t;
    }
    x = (l << s->half) | r;
  } while (x >= s->n);
  return x;
}

void xb_mc_sample(const xb_mc_study *s, size_t i, double *x)
{
  for (size_t k = 0; k < s->np; k++) {
    double u = xb_rng_uniform(s->seed, STREAM_U | k, i);
    if (s->lhs)
      u = ((double)stratum(s, k, i) + u) / (double)s->n;
    x[k] = xb_mc_quantile(&s->p[k], u);
  }
}
