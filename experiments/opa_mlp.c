/*
 * opa_mlp: training a network whose every weight update is a bit-sliced
 * outer-product accumulate in crossbars (PANTHER, seed 003 sections 5.3,
 * 5.4.2, 5.7.1; Fig. 5.9, 5.10): how many bits each slice's cells need,
 * and how often a carry resolution step (CRS), for training to work.
 *
 * Task: 196 -> 32 (ReLU) -> 10 (softmax, cross-entropy) on the MNIST
 * digits of the project's cache (xb_mnist_load; scripts/fetch-mnist.sh),
 * 2 x 2 averages to 14 x 14, pixels in [0, 1]; images [0, 8000) train,
 * [8000, 10000) test (the cache is stratified, so ranges are fair splits).
 * Without the cache the program says so and exits with status 1: there is
 * no synthetic stand-in for a labelled classification task. Plain SGD,
 * batch 1 (PANTHER's Variant #1 does an OPA per sample), --epochs passes
 * (default 5) in a Philox-shuffled order, constant eta (default 0.02:
 * within noise of the best of 0.005..0.1 for float weights at 2 to 10
 * epochs; 5 epochs gain 2 points on 3, more gain little). Biases are
 * digital (float), as are the forward and backward passes: they use the
 * exact weights the cells hold (xb_sliced_get after every step), so the
 * only non-ideality is the OPA itself, not MVM noise.
 *
 * Weights: fixed point with 16 data bits, W = W_int 2^-F (--frac F,
 * default 12), He-uniform start. Each layer is an xb_sliced of 8 slices
 * of d = 2 data bits in cells of p bits, p - 2 of them carry bits, zero at
 * the middle level: uniform p = 3, 4, 5, 6, and PANTHER's heterogeneous
 * "44466555", which the seed writes from the most significant slice (its
 * rule, section 5.7.2: >= 5 bits for slices 0-3, >= 4 for slices 4-7), so
 * from the LSB p = 5,5,5,6,6,4,4,4.
 *
 * Update: dW = -eta delta x^T as one xb_sliced_opa per layer per sample.
 * Row inputs b are the layer inputs (non-negative): pixels as 4-bit
 * integers round(15 x), hidden activations as 8-bit round(16 h) (never
 * clamped at 255 in these runs; a warning says if more than 1% are).
 * Column inputs a_j = -eta delta_j 2^F / (15 or 16), so that b_i a_j is
 * the update in weight LSBs. Before rounding, about 93% of the |a_j| are
 * below 1 and 80% below 0.1 once training is under way (plain rounding
 * would drop most updates), so a is rounded stochastically: floor(v + u),
 * u uniform from a Philox stream indexed by (seed, step, column), is
 * unbiased (E[a] = v) and reproducible whatever the thread count.
 * Magnitudes stay below 2^15. Clipped cell updates (a level pushed past 0
 * or 2^p - 1) are lost. A CRS every 64 or 1024 steps, or never, rewrites
 * both layers in canonical form.
 *
 * Reported per (slicing, CRS), each the mean of --seeds runs (default 3;
 * the seed sets the start, the order and the rounding): test accuracy
 * (with its standard error over seeds); the saturated fraction of every
 * slice of layer 1 (6272 of the 6592 weights), averaged over checks every
 * 8 steps (a check falls just before a CRS that is due, so it sees the
 * worst of each CRS-64 period and the whole sawtooth of CRS 1024); the
 * clipped cell updates; how many non-zero updates a layer-1 weight gets
 * per 64 steps and their mean size in LSBs. A float-weight run of the same
 * network, schedule and seeds is the reference row. Output in --out
 * (default plots/): opa_mlp.csv, opa_mlp_slices.csv (saturation per slice)
 * and opa_mlp.png (plots/opa_mlp.gp), a table and a final JSON line on
 * stdout, progress on stderr. Runs go over OpenMP threads.
 *
 * The trend to reproduce (seed Fig. 5.9): 3-bit slices saturate, the low
 * slice most, and train worst; 4-bit slices need a frequent CRS (every 64
 * steps); 5- and 6-bit slices saturate little and train with a CRS every
 * 1024 steps; higher slices saturate far less than lower ones (which is
 * what motivates heterogeneous slicing, Fig. 5.10).
 *
 * Measured (defaults: 5 epochs, eta 0.02, F 12, 3 seeds; 32 s on 2 cores,
 * 61 s on one; the numbers do not depend on the thread count). Float
 * weights: 0.929 +- 0.001. Accuracy / slice-0 saturated fraction:
 *
 *   slicing    CRS 64          CRS 1024        never
 *   3-bit      0.924 / 11.4%   0.873 / 26.9%   0.283 / 47.6%
 *   4-bit      0.925 /  1.6%   0.899 / 12.1%   0.385 / 36.4%
 *   5-bit      0.924 /  0.05%  0.919 /  4.0%   0.562 / 28.3%
 *   6-bit      0.924 /  0.00%  0.925 /  0.7%   0.761 / 20.0%
 *   44466555   0.924 /  0.05%  0.918 /  3.8%   0.567 / 27.6%
 *
 * (standard errors 0.001 to 0.005 with a CRS, up to 0.02 without). The
 * seed's ordering holds: at CRS 1024 saturation falls and accuracy rises
 * with the bits per slice, 3-bit worst (5.7 points below float), 4-bit
 * 3 points below and rescued by a CRS every 64 steps, 5- and 6-bit within
 * about 1 point of float. Slices 0 and 1 saturate about equally, slice 2
 * less, slices 3 to 7 (almost) never (slice 4: 0 everywhere): the
 * updates, a few to ~15 LSBs (bits 0-3), land in the low slices. The
 * heterogeneous slicing behaves as 5-bit (its slices 0-2 are 5-bit; its
 * 4-bit top slices are never reached; identical runs at CRS 64) with 39
 * cell bits per weight instead of 40.
 *
 * Why no CRS fails: slices 3 and up almost never receive a chunk, so a
 * weight can move from its start only by the carry room of slices 0-2,
 * (2^(p-1) - 1 - digit) levels of 1, 4 and 16 LSBs, at most
 * 21 (2^(p-1) + 1) LSBs: 105, 189, 357, 693 LSBs for p = 3..6 (measured
 * on one seed: exactly these maximum drifts), while the float network
 * moves its layer-1 weights by 361 LSBs on average.
 *
 * One difference from the seed: here 3-bit slices train with a CRS every
 * 64 steps (0.924, 11% of slice 0 still saturated on average), where the
 * seed's stay saturated and fail whatever the CRS frequency. The measured
 * load explains it: a layer-1 weight gets ~2 non-zero updates of ~14 LSBs
 * per 64 steps, a few levels per low slice, about the 2 to 5 levels of
 * room a 3-bit cell has above or below a canonical digit, so most cells
 * are recentred before they clip; CRS 1024 (30 to 80 updates per period)
 * is too late. PANTHER's CNN very likely accumulates far more per weight
 * between CRSs (a convolution weight gets an OPA per output position, n^2
 * per sample, section 5.5.4, with 16-bit operands; the seed gives no
 * per-weight update counts), more than 3-bit cells hold at any CRS
 * interval it tried. Larger updates in LSBs alone do not change this
 * here: with --frac 14 (4x the LSBs per update, reaching slice 3) 3-bit
 * at CRS 64 still matches float after 3 epochs (0.906 vs 0.905), with 16%
 * of slice 0 and 11% of slice 2 saturated.
 *
 * usage: opa_mlp [--epochs E] [--eta ETA] [--frac F] [--seeds N]
 *                [--seed S] [--out DIR]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/xbar.h>

#include "exp_util.h"

#define PROG "opa_mlp"
#define SRC XB_SOURCE_DIR
#define NIN 196    /* 14 x 14 inputs */
#define NH 32      /* hidden units */
#define NO 10      /* classes */
#define NS 8       /* slices per weight, 2 data bits each: 16 data bits */
#define NCONF 5    /* slicings: 3-, 4-, 5-, 6-bit cells, heterogeneous */
#define NCRS 3     /* CRS intervals */
#define CHECK 8    /* saturation sampled every CHECK steps */
#define XMAX 15    /* pixel row inputs: 4 bits */
#define HSCALE 16  /* hidden row inputs: round(16 h), 8 bits */
#define HMAX 255
#define NTRAIN 8000
#define NTEST 2000

/* Philox stream tags (xbar/rng.h): one stream per purpose. */
enum { TAG_W1 = 1, TAG_W2 = 2, TAG_SHUFFLE = 3, TAG_ROUND = 0x0fa };

typedef struct data {
  float *x; /* n x NIN, pixels in [0, 1] */
  int *y;
  size_t n;
} data;

/* Images [first, last) of im, 2 x 2 averages. */
static int load(const xb_images *im, size_t first, size_t last, data *d)
{
  d->n = last - first;
  d->x = malloc(d->n * NIN * sizeof(float));
  d->y = malloc(d->n * sizeof(int));
  if (!d->x || !d->y)
    return -1;
  for (size_t s = 0; s < d->n; s++) {
    const unsigned char *p = im->pix + (first + s) * 784;
    for (int r = 0; r < 14; r++)
      for (int c = 0; c < 14; c++) {
        int a = p[(2 * r) * 28 + 2 * c] + p[(2 * r) * 28 + 2 * c + 1] +
                p[(2 * r + 1) * 28 + 2 * c] + p[(2 * r + 1) * 28 + 2 * c + 1];
        d->x[s * NIN + r * 14 + c] = (float)a / (4 * 255.0f);
      }
    d->y[s] = im->labels[first + s];
  }
  return 0;
}

static void data_free(data *d)
{
  free(d->x);
  free(d->y);
}

/* One training run. */
typedef struct job {
  int conf;           /* slicing index, or -1: float weights */
  int crs;            /* CRS interval in steps, 0: never */
  uint64_t seed;
} job;

typedef struct result {
  double acc;         /* test accuracy */
  double sat[NS];     /* layer 1: saturated fraction per slice, time mean */
  double clipped;     /* clipped cell updates, both layers */
  double hclamp;      /* fraction of hidden row inputs clamped at HMAX */
  double upd;         /* layer 1: updates b_i a_j != 0 per weight per step */
  double upd_lsb;     /* layer 1: mean |b_i a_j| of those updates, LSBs */
} result;

typedef struct net {
  float w1[NIN * NH], w2[NH * NO], b1[NH], b2[NO];
} net;

/* h = relu(x W1 + b1), z = h W2 + b2. */
static void forward(const net *m, const float *x, float *h, float *z)
{
  memcpy(h, m->b1, sizeof m->b1);
  for (int i = 0; i < NIN; i++) {
    if (x[i] == 0)
      continue;
    const float *w = m->w1 + i * NH;
    for (int j = 0; j < NH; j++)
      h[j] += x[i] * w[j];
  }
  for (int j = 0; j < NH; j++)
    h[j] = h[j] > 0 ? h[j] : 0;
  memcpy(z, m->b2, sizeof m->b2);
  for (int j = 0; j < NH; j++) {
    const float *w = m->w2 + j * NO;
    for (int o = 0; o < NO; o++)
      z[o] += h[j] * w[o];
  }
}

/* Unbiased stochastic rounding of v (E[result] = v), clamped to
 * +-(2^15 - 1). */
static int32_t sround(double v, uint64_t seed, uint64_t pos)
{
  double f = floor(v + xb_rng_uniform(seed, TAG_ROUND, pos));
  return (int32_t)(f > 32767 ? 32767 : (f < -32767 ? -32767 : f));
}

static void to_float(const int64_t *wi, float *w, size_t n, double q)
{
  for (size_t k = 0; k < n; k++)
    w[k] = (float)((double)wi[k] * q);
}

/* Train with slicing l (NULL: float weights), a CRS every crs steps (0:
 * never), for `epochs` passes of SGD; weights in units of 2^-frac. 0, or
 * -1 with a message on stderr. */
static int train(const data *tr, const data *te, const xb_slicing *l,
                 int crs, int epochs, double eta, int frac, uint64_t seed,
                 result *res)
{
  net *m = calloc(1, sizeof *m);
  int64_t *wi1 = malloc(NIN * NH * sizeof(int64_t));
  int64_t *wi2 = malloc(NH * NO * sizeof(int64_t));
  size_t *perm = malloc(tr->n * sizeof(size_t));
  xb_sliced *s1 = NULL, *s2 = NULL;
  xb_err err = {0};
  int rc = -1;
  if (!m || !wi1 || !wi2 || !perm) {
    fprintf(stderr, PROG ": out of memory\n");
    goto done;
  }
  /* He-uniform start, quantized to the weight LSB for every run. */
  const double q = ldexp(1.0, -frac);
  for (int k = 0; k < NIN * NH; k++)
    wi1[k] = (int64_t)lround((2 * xb_rng_uniform(seed, TAG_W1, (uint64_t)k) -
                              1) * sqrt(6.0 / NIN) / q);
  for (int k = 0; k < NH * NO; k++)
    wi2[k] = (int64_t)lround((2 * xb_rng_uniform(seed, TAG_W2, (uint64_t)k) -
                              1) * sqrt(6.0 / NH) / q);
  if (l) {
    s1 = xb_sliced_create(NIN, NH, l, &err);
    s2 = s1 ? xb_sliced_create(NH, NO, l, &err) : NULL;
    if (!s2 || xb_sliced_set(s1, wi1, &err) || xb_sliced_set(s2, wi2, &err)) {
      fprintf(stderr, PROG ": %s\n", err.msg);
      goto done;
    }
  }
  to_float(wi1, m->w1, NIN * NH, q);
  to_float(wi2, m->w2, NH * NO, q);
  memset(res, 0, sizeof *res);
  size_t checks = 0, step = 0, hin = 0;
  double nupd = 0, lsb = 0;
  int32_t bx[NIN], bh[NH], a1[NH], a2[NO];
  const float feta = (float)eta;
  for (int e = 0; e < epochs; e++) {
    /* Fisher-Yates shuffle from the run's Philox stream. */
    for (size_t t = 0; t < tr->n; t++)
      perm[t] = t;
    for (size_t t = tr->n - 1; t > 0; t--) {
      uint64_t pos = (uint64_t)e * tr->n + t;
      size_t u = (size_t)(xb_rng_uniform(seed, TAG_SHUFFLE, pos) *
                          (double)(t + 1));
      u = u > t ? t : u;
      size_t tmp = perm[t];
      perm[t] = perm[u];
      perm[u] = tmp;
    }
    for (size_t t = 0; t < tr->n; t++, step++) {
      const float *x = tr->x + perm[t] * NIN;
      int y = tr->y[perm[t]];
      float h[NH], z[NO], d2[NO], d1[NH], mx = -INFINITY, sum = 0;
      forward(m, x, h, z);
      for (int o = 0; o < NO; o++)
        mx = z[o] > mx ? z[o] : mx;
      for (int o = 0; o < NO; o++)
        sum += d2[o] = expf(z[o] - mx);
      for (int o = 0; o < NO; o++)
        d2[o] = d2[o] / sum - (o == y); /* dL/dz, softmax cross-entropy */
      for (int j = 0; j < NH; j++) {
        float a = 0;
        for (int o = 0; o < NO; o++)
          a += m->w2[j * NO + o] * d2[o];
        d1[j] = h[j] > 0 ? a : 0;
      }
      for (int o = 0; o < NO; o++)
        m->b2[o] -= feta * d2[o];
      for (int j = 0; j < NH; j++)
        m->b1[j] -= feta * d1[j];
      if (!l) {
        for (int i = 0; i < NIN; i++)
          for (int j = 0; j < NH; j++)
            m->w1[i * NH + j] -= feta * d1[j] * x[i];
        for (int j = 0; j < NH; j++)
          for (int o = 0; o < NO; o++)
            m->w2[j * NO + o] -= feta * d2[o] * h[j];
        continue;
      }
      /* The update -eta d x^T as one OPA per layer: rows b (the layer
       * input, non-negative), columns a = -eta d 2^frac / (row scale),
       * stochastically rounded, so that b_i a_j is the update in LSBs. */
      for (int i = 0; i < NIN; i++)
        bx[i] = (int32_t)lround(x[i] * XMAX);
      for (int j = 0; j < NH; j++) {
        double v = h[j] * HSCALE;
        hin += v > HMAX;
        bh[j] = (int32_t)(v > HMAX ? HMAX : lround(v));
      }
      uint64_t pos = step * (NH + NO);
      for (int j = 0; j < NH; j++)
        a1[j] = sround(-eta * d1[j] / q / XMAX, seed, pos + (uint64_t)j);
      for (int o = 0; o < NO; o++)
        a2[o] = sround(-eta * d2[o] / q / HSCALE, seed,
                       pos + NH + (uint64_t)o);
      int nb = 0, na = 0;
      double sb = 0, sa = 0;
      for (int i = 0; i < NIN; i++) {
        nb += bx[i] != 0;
        sb += bx[i];
      }
      for (int j = 0; j < NH; j++) {
        na += a1[j] != 0;
        sa += abs(a1[j]);
      }
      nupd += (double)nb * na;
      lsb += sb * sa;
      size_t c1 = 0, c2 = 0;
      if (xb_sliced_opa(s1, bx, a1, &c1, &err) ||
          xb_sliced_opa(s2, bh, a2, &c2, &err)) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        goto done;
      }
      res->clipped += (double)(c1 + c2);
      if (step % CHECK == CHECK - 1) { /* before a CRS that falls due */
        for (int s = 0; s < NS; s++)
          res->sat[s] += xb_sliced_saturated(s1, s);
        checks++;
      }
      if (crs && step % (size_t)crs == (size_t)crs - 1 &&
          (xb_sliced_crs(s1, &err) || xb_sliced_crs(s2, &err))) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        goto done;
      }
      xb_sliced_get(s1, wi1);
      xb_sliced_get(s2, wi2);
      to_float(wi1, m->w1, NIN * NH, q);
      to_float(wi2, m->w2, NH * NO, q);
    }
  }
  for (int s = 0; s < NS && checks; s++)
    res->sat[s] /= (double)checks;
  res->hclamp = l ? (double)hin / ((double)step * NH) : 0;
  res->upd = l ? nupd / ((double)step * NIN * NH) : 0;
  res->upd_lsb = nupd > 0 ? lsb / nupd : 0;
  size_t right = 0;
  for (size_t t = 0; t < te->n; t++) {
    float h[NH], z[NO];
    forward(m, te->x + t * NIN, h, z);
    int arg = 0;
    for (int o = 1; o < NO; o++)
      arg = z[o] > z[arg] ? o : arg;
    right += arg == te->y[t];
  }
  res->acc = (double)right / (double)te->n;
  rc = 0;
done:
  xb_sliced_free(s1);
  xb_sliced_free(s2);
  free(perm);
  free(wi2);
  free(wi1);
  free(m);
  return rc;
}

/* Mean over seeds, and the standard error of the mean accuracy. */
typedef struct summary {
  double acc, acc_se, sat[NS], clipped, hclamp, upd, upd_lsb;
} summary;

static summary summarize(const result *r, int n)
{
  summary s = {0};
  for (int k = 0; k < n; k++) {
    s.acc += r[k].acc / n;
    s.clipped += r[k].clipped / n;
    s.hclamp = r[k].hclamp > s.hclamp ? r[k].hclamp : s.hclamp; /* worst */
    s.upd += r[k].upd / n;
    s.upd_lsb += r[k].upd_lsb / n;
    for (int q = 0; q < NS; q++)
      s.sat[q] += r[k].sat[q] / n;
  }
  double v = 0;
  for (int k = 0; k < n; k++)
    v += (r[k].acc - s.acc) * (r[k].acc - s.acc);
  s.acc_se = n > 1 ? sqrt(v / (n - 1) / n) : 0;
  return s;
}

int main(int argc, char **argv)
{
  int epochs = 5, seeds = 3, frac = 12;
  double eta = 0.02;
  const char *out = SRC "/plots";
  unsigned long long seed = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      printf("usage: " PROG " [--epochs E] [--eta ETA] [--frac F] "
             "[--seeds N] [--seed S] [--out DIR]\n");
      return 0;
    }
    if (!v ||
        !((!strcmp(a, "--epochs") && xbx_parse_int(v, 1, 100, &epochs)) ||
          (!strcmp(a, "--seeds") && xbx_parse_int(v, 1, 100, &seeds)) ||
          (!strcmp(a, "--frac") && xbx_parse_int(v, 8, 14, &frac)) ||
          (!strcmp(a, "--eta") && xbx_parse_double(v, 1e-6, 10, &eta)) ||
          (!strcmp(a, "--seed") && xbx_parse_u64(v, &seed)) ||
          (!strcmp(a, "--out") && (out = v)))) {
      fprintf(stderr, PROG ": bad or unknown argument: %s\n", a);
      return 2;
    }
    i++;
  }
  xb_err err;
  xb_images *im = xb_mnist_load(NULL, &err);
  if (!im || !im->labels || im->n < NTRAIN + NTEST || im->rows != 28 ||
      im->cols != 28) {
    fprintf(stderr, PROG ": %s\n(the MNIST digits are needed: bash "
                    "scripts/fetch-mnist.sh)\n",
            im ? "unexpected image set" : err.msg);
    xb_images_free(im);
    return 1;
  }
  data tr = {0}, te = {0};
  if (load(im, 0, NTRAIN, &tr) || load(im, NTRAIN, NTRAIN + NTEST, &te)) {
    fprintf(stderr, PROG ": out of memory\n");
    xb_images_free(im);
    data_free(&tr);
    data_free(&te);
    return 1;
  }
  xb_images_free(im);

  static const char *names[NCONF] = {"3-bit", "4-bit", "5-bit", "6-bit",
                                     "hetero 44466555"};
  /* PANTHER's 44466555, written from the MSB: from the LSB 5,5,5,6,6,4,4,4
   * (the seed's rule: >= 5 bits for slices 0-3, >= 4 for slices 4-7). */
  static const int hetero[NS] = {5, 5, 5, 6, 6, 4, 4, 4};
  static const int crss[NCRS] = {64, 1024, 0};
  xb_slicing conf[NCONF];
  for (int c = 0; c < NCONF; c++) {
    conf[c].S = NS;
    for (int s = 0; s < NS; s++) {
      conf[c].d[s] = 2;
      conf[c].p[s] = c < 4 ? 3 + c : hetero[s];
    }
  }
  /* Jobs: every (slicing, CRS, seed), then the float runs. */
  int njob = (NCONF * NCRS + 1) * seeds;
  job *jobs = malloc((size_t)njob * sizeof *jobs);
  result *res = malloc((size_t)njob * sizeof *res);
  if (!jobs || !res) {
    fprintf(stderr, PROG ": out of memory\n");
    free(jobs);
    free(res);
    data_free(&tr);
    data_free(&te);
    return 1;
  }
  for (int c = 0, n = 0; c <= NCONF; c++)
    for (int k = 0; k < (c < NCONF ? NCRS : 1); k++)
      for (int r = 0; r < seeds; r++, n++)
        jobs[n] = (job){c < NCONF ? c : -1, c < NCONF ? crss[k] : 0,
                        seed + (uint64_t)r};
  double t0 = xbx_now();
  int fail = 0, done = 0;
#pragma omp parallel for schedule(dynamic, 1)
  for (int n = 0; n < njob; n++) {
    const job *j = &jobs[n];
    if (train(&tr, &te, j->conf < 0 ? NULL : &conf[j->conf], j->crs, epochs,
               eta, frac, j->seed, &res[n]))
#pragma omp atomic write
      fail = 1;
#pragma omp critical(progress)
    {
      done++;
      fprintf(stderr, "\r  " PROG " %3d / %d runs  %5.0f s ", done, njob,
              xbx_now() - t0);
    }
  }
  fprintf(stderr, "\n");
  data_free(&tr);
  data_free(&te);
  if (fail) {
    free(jobs);
    free(res);
    return 1;
  }
  summary sm[NCONF][NCRS], ref = summarize(res + NCONF * NCRS * seeds, seeds);
  for (int c = 0; c < NCONF; c++)
    for (int k = 0; k < NCRS; k++)
      sm[c][k] = summarize(res + (c * NCRS + k) * seeds, seeds);
  free(jobs);
  free(res);

  /* Table on stdout, CSV rows (slicing-major, then CRS; the float row
   * last) and the per-slice saturation profile as a second CSV. */
  char csv[1100], png[1100], slices[1100];
  xbx_file *f = xbx_open_outputs(out, PROG, csv, png, sizeof csv);
  if (!f)
    return 1;
  snprintf(slices, sizeof slices, "%s/" PROG "_slices.csv", out);
  xbx_file *g = xbx_file_open(slices);
  if (!g) {
    xbx_file_abort(f);
    return 1;
  }
  fprintf(f->fp,
          "# " PROG ": MNIST 14x14, 196-32-10 MLP, %d epochs of SGD "
          "(batch 1), eta %g, weights W_int 2^-%d in 8 slices of 2 data "
          "bits, %d seeds from %llu\n"
          "# accuracy: mean over seeds (se: its standard error); sat_slice*: "
          "layer-1 saturated cell fraction, mean of checks every %d steps; "
          "clipped: clipped cell updates per run; upd64: non-zero updates "
          "per layer-1 weight per 64 steps; upd_lsb: their mean size in "
          "weight LSBs; crs 0: never, -1: float reference\n",
          epochs, eta, frac, seeds, seed, CHECK);
  fprintf(f->fp, "config,index,crs,accuracy,accuracy_se,clipped,upd64,"
                 "upd_lsb");
  for (int q = 0; q < NS; q++)
    fprintf(f->fp, ",sat_slice%d", q);
  fprintf(f->fp, "\n");
  fprintf(g->fp, "# " PROG ": layer-1 saturated cell fraction per slice "
                 "(rows) for each slicing / CRS interval (columns)\nslice");
  for (int c = 0; c < NCONF; c++)
    for (int k = 0; k < NCRS; k++)
      fprintf(g->fp, ",%s/%d", names[c], crss[k]);
  fprintf(g->fp, "\n");
  for (int q = 0; q < NS; q++) {
    fprintf(g->fp, "%d", q);
    for (int c = 0; c < NCONF; c++)
      for (int k = 0; k < NCRS; k++)
        fprintf(g->fp, ",%.5f", sm[c][k].sat[q]);
    fprintf(g->fp, "\n");
  }
  printf("%d epochs, eta %g, 2^-%d weight LSB, %d seeds: float reference "
         "accuracy %.4f +- %.4f\n",
         epochs, eta, frac, seeds, ref.acc, ref.acc_se);
  printf("%-22s %5s %15s %6s %6s %6s %6s %6s %10s %6s %6s\n", "slicing",
         "CRS", "accuracy", "sat0", "sat1", "sat2", "sat3", "sat4",
         "clipped", "upd64", "lsb");
  double hclamp = 0;
  for (int c = 0; c < NCONF; c++)
    for (int k = 0; k < NCRS; k++) {
      const summary *r = &sm[c][k];
      fprintf(f->fp, "%s,%d,%d,%.4f,%.4f,%.0f,%.3f,%.3f", names[c], c,
              crss[k], r->acc, r->acc_se, r->clipped, 64 * r->upd,
              r->upd_lsb);
      for (int q = 0; q < NS; q++)
        fprintf(f->fp, ",%.5f", r->sat[q]);
      fprintf(f->fp, "\n");
      char cs[16];
      snprintf(cs, sizeof cs, crss[k] ? "%d" : "never", crss[k]);
      printf("%-22s %5s %8.4f+-%.4f %6.4f %6.4f %6.4f %6.4f %6.4f %10.0f "
             "%6.2f %6.2f\n",
             names[c], cs, r->acc, r->acc_se, r->sat[0], r->sat[1], r->sat[2],
             r->sat[3], r->sat[4], r->clipped, 64 * r->upd, r->upd_lsb);
      hclamp = r->hclamp > hclamp ? r->hclamp : hclamp;
    }
  fprintf(f->fp, "float,%d,-1,%.4f,%.4f,0,,,,,,,,,,\n", NCONF, ref.acc,
          ref.acc_se);
  if (hclamp > 0.01)
    fprintf(stderr, PROG ": warning: up to %.1f%% of hidden row inputs "
                    "clamped at %d\n", 100 * hclamp, HMAX);
  if (xbx_file_commit(f)) {
    xbx_file_abort(g);
    return 1;
  }
  if (xbx_file_commit(g))
    return 1;
  char vars[2400];
  snprintf(vars, sizeof vars, "csv='%s'; slices='%s'; ref=%.4f; ref_se=%.4f",
           csv, slices, ref.acc, ref.acc_se);
  if (xbx_gnuplot(SRC "/plots/" PROG ".gp", vars, png))
    return 1;
  printf("wrote %s, %s, %s\n", csv, slices, png);

  /* JSON: every (slicing, CRS) accuracy and slice-0 saturation. */
  static const char *tags[NCONF] = {"3bit", "4bit", "5bit", "6bit",
                                    "hetero"};
  static const char *ctags[NCRS] = {"crs64", "crs1024", "nocrs"};
  printf("{\"experiment\": \"" PROG "\", \"epochs\": %d, \"eta\": %g, "
         "\"frac\": %d, \"seeds\": %d, \"float_acc\": %.4f, "
         "\"float_acc_se\": %.4f",
         epochs, eta, frac, seeds, ref.acc, ref.acc_se);
  for (int c = 0; c < NCONF; c++)
    for (int k = 0; k < NCRS; k++)
      printf(", \"acc_%s_%s\": %.4f, \"sat0_%s_%s\": %.4f", tags[c],
             ctags[k], sm[c][k].acc, tags[c], ctags[k], sm[c][k].sat[0]);
  printf(", \"seconds\": %.1f}\n", xbx_now() - t0);
  return 0;
}
