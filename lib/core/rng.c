/*
 * Philox4x32-10 counter-based generator, written from the published
 * algorithm (Salmon et al., SC'11, section 4): ten rounds of a two-way
 * multiply / xor Feistel-like network on four 32-bit words, with the key
 * bumped by the Weyl constants between rounds. The known-answer vectors of
 * the reference implementation are checked in tests/test_rng.c.
 *
 * Draws: uniform doubles take 53 bits from two words, (k + 0.5) / 2^53, so
 * 0 and 1 never occur; normals use Box-Muller on two such uniforms.
 */
#include <math.h>

#include <xbar/rng.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static void mulhilo(uint32_t a, uint32_t b, uint32_t *hi, uint32_t *lo)
{
  uint64_t p = (uint64_t)a * (uint64_t)b;
  *hi = (uint32_t)(p >> 32);
  *lo = (uint32_t)p;
}

void xb_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2],
                      uint32_t out[4])
{
  uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
  uint32_t k0 = key[0], k1 = key[1];
  for (int round = 0; round < 10; round++) {
    uint32_t hi0, lo0, hi1, lo1;
    mulhilo(PHILOX_M0, c0, &hi0, &lo0);
    mulhilo(PHILOX_M1, c2, &hi1, &lo1);
    uint32_t n0 = hi1 ^ c1 ^ k0;
    uint32_t n1 = lo1;
    uint32_t n2 = hi0 ^ c3 ^ k1;
    uint32_t n3 = lo0;
    c0 = n0;
    c1 = n1;
    c2 = n2;
    c3 = n3;
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

void xb_rng_words(uint64_t seed, uint64_t stream, uint64_t pos,
                  uint32_t out[4])
{
  const uint32_t ctr[4] = {(uint32_t)pos, (uint32_t)(pos >> 32),
                           (uint32_t)stream, (uint32_t)(stream >> 32)};
  const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
  xb_philox4x32_10(ctr, key, out);
}

static double u53(uint32_t a, uint32_t b)
{
  uint64_t k = ((uint64_t)a << 21) ^ (uint64_t)(b >> 11); /* 53 bits */
  k &= (UINT64_C(1) << 53) - 1;
  return ((double)k + 0.5) * 0x1p-53;
}

double xb_rng_uniform(uint64_t seed, uint64_t stream, uint64_t pos)
{
  uint32_t w[4];
  xb_rng_words(seed, stream, pos, w);
  return u53(w[0], w[1]);
}

double xb_rng_normal(uint64_t seed, uint64_t stream, uint64_t pos)
{
  uint32_t w[4];
  xb_rng_words(seed, stream, pos, w);
  double u1 = u53(w[0], w[1]);
  double u2 = u53(w[2], w[3]);
  return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

void xb_rng_init(xb_rng *r, uint64_t seed, uint64_t stream)
{
  r->seed = seed;
  r->stream = stream;
  r->pos = 0;
}

double xb_rng_next_uniform(xb_rng *r)
{
  return xb_rng_uniform(r->seed, r->stream, r->pos++);
}

double xb_rng_next_normal(xb_rng *r)
{
  return xb_rng_normal(r->seed, r->stream, r->pos++);
}
