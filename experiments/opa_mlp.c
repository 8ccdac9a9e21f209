/*
 * opa_mlp: training a network whose every weight update is a bit-sliced
 * outer-product accumulate (OPA) in crossbars (PANTHER, seed 003 sections
 * 5.3, 5.4.2, 5.7.1; Fig. 5.9, 5.10): how many bits each slice's cells
 * need, and how often a carry resolution step (CRS), for training to work.
 *
 * Task: 196 -> 32 (ReLU) -> 10 (softmax) on the cached MNIST digits
 * (scripts/fetch-mnist.sh; without them, exit status 1), 2 x 2 averaged to
 * 14 x 14; images [0, 8000) train, [8000, 10000) test. SGD with batch 1
 * (PANTHER's Variant #1: an OPA per sample) in a Philox-shuffled order;
 * biases and the forward and backward passes are digital and use the exact
 * weights the cells hold, so the only non-ideality is the OPA. Weights
 * W_int 2^-F (16 data bits, He-uniform start) in an xb_sliced of 8 slices
 * of 2 data bits in p-bit cells: p = 3, 4, 5, 6 and PANTHER's "44466555"
 * (from the MSB, section 5.7.2). dW = -eta delta x^T is one OPA per layer:
 * rows the layer input (pixels round(15 x), hidden round(16 h) clamped at
 * 255), columns -eta delta 2^F / (15 or 16) rounded stochastically from a
 * Philox stream (most are below 1 LSB), so results do not depend on the
 * thread count. A CRS every 64 or 1024 steps, or never.
 *
 * Reported per (slicing, CRS), the mean of --seeds runs: test accuracy,
 * the saturated fraction per slice of layer 1 (checked every 8 steps, just
 * before a due CRS), clipped cell updates, the update load per weight; a
 * float-weight run is the reference. Expected (Fig. 5.9, tests/
 * opa_trend.sh): at CRS 1024 saturation falls and accuracy rises with the
 * bits per slice (defaults: 0.873, 0.899, 0.919, 0.925 for 3..6 bits,
 * float 0.929), 4-bit is rescued by CRS 64, no CRS fails. Unlike the seed,
 * 3-bit trains at CRS 64 (0.924): a weight gets ~2 updates of ~14 LSBs per
 * 64 steps, within a 3-bit cell's room.
 *
 * Output: <out>/opa_mlp.csv, <out>/opa_mlp_slices.csv (saturation per
 * slice), <out>/opa_mlp.png (plots/opa_mlp.gp), a table and a JSON line on
 * stdout, progress on stderr; about 30 s on 2 cores.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/xbar.h>

#include "exp_util.h"

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
  const float *x;         /* n x NIN, pixels in [0, 1] */
  const unsigned char *y; /* n labels */
  size_t n;
} data;

/* The first n images of im, 2 x 2 averaged, into x (n x NIN). */
static void shrink(const xb_images *im, size_t n, float *x)
{
  for (size_t s = 0; s < n; s++) {
    const unsigned char *p = im->pix + s * 784;
    for (int r = 0; r < 14; r++)
      for (int c = 0; c < 14; c++) {
        int a = p[(2 * r) * 28 + 2 * c] + p[(2 * r) * 28 + 2 * c + 1] +
                p[(2 * r + 1) * 28 + 2 * c] + p[(2 * r + 1) * 28 + 2 * c + 1];
        x[s * NIN + r * 14 + c] = (float)a / (4 * 255.0f);
      }
  }
}

/* One training run, or the mean over seeds. */
typedef struct result {
  double acc;         /* test accuracy */
  double acc_se;      /* mean over seeds: its standard error */
  double sat[NS];     /* layer 1: saturated fraction per slice, time mean */
  double clipped;     /* clipped cell updates, both layers */
  double hclamp;      /* fraction of hidden row inputs clamped at HMAX */
  double upd;         /* layer 1: updates b_i a_j != 0 per weight per step */
  double upd_lsb;     /* layer 1: mean |b_i a_j| of those updates, LSBs */
} result;

/* The weights in LSBs (i1, i2: what the cells hold) and as floats. */
typedef struct net {
  int64_t i1[NIN * NH], i2[NH * NO];
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

static void to_float(net *m, double q)
{
  for (size_t k = 0; k < NIN * NH; k++)
    m->w1[k] = (float)((double)m->i1[k] * q);
  for (size_t k = 0; k < NH * NO; k++)
    m->w2[k] = (float)((double)m->i2[k] * q);
}

/* Train with slicing l (NULL: float weights), a CRS every crs steps (0:
 * never), for `epochs` passes of SGD; weights in units of 2^-frac. 0, or
 * -1 with a message on stderr. */
static int train(const data *tr, const data *te, const xb_slicing *l,
                 int crs, int epochs, double eta, int frac, uint64_t seed,
                 result *res)
{
  net *m = calloc(1, sizeof *m);
  size_t *perm = malloc(tr->n * sizeof(size_t));
  xb_sliced *s1 = NULL, *s2 = NULL;
  xb_err err = {0};
  int rc = -1;
  if (!m || !perm) {
    snprintf(err.msg, sizeof err.msg, "out of memory");
    goto done;
  }
  /* He-uniform start, quantized to the weight LSB for every run. */
  const double q = ldexp(1.0, -frac);
  for (int k = 0; k < NIN * NH; k++)
    m->i1[k] = (int64_t)lround((2 * xb_rng_uniform(seed, TAG_W1, k) - 1) *
                               sqrt(6.0 / NIN) / q);
  for (int k = 0; k < NH * NO; k++)
    m->i2[k] = (int64_t)lround((2 * xb_rng_uniform(seed, TAG_W2, k) - 1) *
                               sqrt(6.0 / NH) / q);
  if (l && (!(s1 = xb_sliced_create(NIN, NH, l, &err)) ||
            !(s2 = xb_sliced_create(NH, NO, l, &err)) ||
            xb_sliced_set(s1, m->i1, &err) ||
            xb_sliced_set(s2, m->i2, &err)))
    goto done;
  to_float(m, q);
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
      int nb = 0, na = 0;
      double sb = 0, sa = 0;
      for (int i = 0; i < NIN; i++) {
        bx[i] = (int32_t)lround(x[i] * XMAX);
        nb += bx[i] != 0;
        sb += bx[i];
      }
      for (int j = 0; j < NH; j++) {
        double v = h[j] * HSCALE;
        hin += v > HMAX;
        bh[j] = (int32_t)(v > HMAX ? HMAX : lround(v));
      }
      uint64_t pos = step * (NH + NO);
      for (int j = 0; j < NH; j++) {
        a1[j] = sround(-eta * d1[j] / q / XMAX, seed, pos + (uint64_t)j);
        na += a1[j] != 0;
        sa += abs(a1[j]);
      }
      for (int o = 0; o < NO; o++)
        a2[o] = sround(-eta * d2[o] / q / HSCALE, seed,
                       pos + NH + (uint64_t)o);
      nupd += (double)nb * na;
      lsb += sb * sa;
      size_t c1 = 0, c2 = 0;
      if (xb_sliced_opa(s1, bx, a1, &c1, &err) ||
          xb_sliced_opa(s2, bh, a2, &c2, &err))
        goto done;
      res->clipped += (double)(c1 + c2);
      if (step % CHECK == CHECK - 1) { /* before a CRS that falls due */
        for (int s = 0; s < NS; s++)
          res->sat[s] += xb_sliced_saturated(s1, s);
        checks++;
      }
      if (crs && step % (size_t)crs == (size_t)crs - 1 &&
          (xb_sliced_crs(s1, &err) || xb_sliced_crs(s2, &err)))
        goto done;
      xb_sliced_get(s1, m->i1);
      xb_sliced_get(s2, m->i2);
      to_float(m, q);
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
  if (rc)
    fprintf(stderr, "opa_mlp: %s\n", err.msg);
  xb_sliced_free(s1);
  xb_sliced_free(s2);
  free(perm);
  free(m);
  return rc;
}

/* Mean over seeds (hclamp: the worst), acc_se the standard error of the
 * mean accuracy. */
static result summarize(const result *r, int n)
{
  result s = {0};
  for (int k = 0; k < n; k++) {
    s.acc += r[k].acc / n;
    s.clipped += r[k].clipped / n;
    s.hclamp = r[k].hclamp > s.hclamp ? r[k].hclamp : s.hclamp;
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

static const xbx_prog prog = {
  "opa_mlp",
  "MNIST MLP trained by bit-sliced outer-product accumulates",
  "Trains a 196-32-10 MLP on 14 x 14 MNIST digits by SGD, each weight "
  "update one outer-product accumulate into 8 slices of 2 data bits, for "
  "3-, 4-, 5-, 6-bit cells and PANTHER's heterogeneous 44466555, each with "
  "a carry resolution step every 64 or 1024 steps or never, against float "
  "weights (seed 003 Fig. 5.9: fewer bits saturate more and train worse, "
  "rare CRS fails). Needs the MNIST cache (bash scripts/fetch-mnist.sh).",
  "opa_mlp.csv one line per slicing and CRS interval: accuracy, clipping, "
  "update load, saturation per slice; the float reference last\n"
  "opa_mlp_slices.csv saturated fraction per slice (rows) and "
  "configuration (columns)\n"
  "opa_mlp.png plots/opa_mlp.gp\n"
  "stdout a table and a final JSON line",
  "opa_mlp --epochs 1 --seeds 1 --out /tmp/opa"};

int main(int argc, char **argv)
{
  int epochs = 5, seeds = 3, frac = 12;
  double eta = 0.02;
  const char *outdir = XB_SOURCE_DIR "/plots";
  unsigned long long seed = 1;
  XBX_PARSE(prog,
    XBX_INT("epochs", &epochs, "", 1, 100, "passes over the training set"),
    XBX_DOUBLE("eta", &eta, "", 1e-6, 10, "learning rate"),
    XBX_INT("frac", &frac, "", 8, 14,
            "fraction bits F of the weights, W = W_int 2^-F"),
    XBX_INT("seeds", &seeds, "", 1, 100,
            "runs per configuration, seeds --seed, --seed + 1, ..."),
    XBX_U64("seed", &seed, "seed of the first run (start, order, rounding)"),
    XBX_STR("out", &outdir, "DIR", "output folder"));
  int rc = 1;
  xb_err err;
  float *x = NULL;
  result *res = NULL;
  xb_images *im = xb_mnist_load(NULL, &err);
  if (!im || !im->labels || im->n < NTRAIN + NTEST || im->rows != 28 ||
      im->cols != 28) {
    fprintf(stderr, "%s: %s\n(the MNIST digits are needed: bash "
            "scripts/fetch-mnist.sh)\n", prog.name,
            im ? "unexpected image set" : err.msg);
    goto done;
  }
  /* Runs: every (slicing, CRS, seed), slicing-major, then the float ones. */
  int njob = (NCONF * NCRS + 1) * seeds;
  res = malloc((size_t)njob * sizeof *res);
  x = malloc((NTRAIN + NTEST) * NIN * sizeof *x);
  if (!res || !x) {
    fprintf(stderr, "%s: out of memory\n", prog.name);
    goto done;
  }
  shrink(im, NTRAIN + NTEST, x);
  data tr = {x, im->labels, NTRAIN};
  data te = {x + NTRAIN * NIN, im->labels + NTRAIN, NTEST};

  static const char *names[NCONF] = {"3-bit", "4-bit", "5-bit", "6-bit",
                                     "hetero 44466555"};
  static const char *tags[NCONF] = {"3bit", "4bit", "5bit", "6bit",
                                    "hetero"};
  static const char *ctags[NCRS] = {"crs64", "crs1024", "nocrs"};
  /* PANTHER's 44466555, written from the MSB. */
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
  double t0 = xbx_now();
  int fail = 0, ndone = 0;
#pragma omp parallel for schedule(dynamic, 1)
  for (int n = 0; n < njob; n++) {
    int c = n / (NCRS * seeds), k = n / seeds % NCRS;
    if (train(&tr, &te, c < NCONF ? &conf[c] : NULL, c < NCONF ? crss[k] : 0,
              epochs, eta, frac, seed + (uint64_t)(n % seeds), &res[n]))
#pragma omp atomic write
      fail = 1;
#pragma omp critical(progress)
    {
      ndone++;
      fprintf(stderr, "\r  %s %3d / %d runs  %5.0f s ", prog.name, ndone,
              njob, xbx_now() - t0);
    }
  }
  fprintf(stderr, "\n");
  if (fail)
    goto done;
  result sm[NCONF][NCRS], ref = summarize(res + NCONF * NCRS * seeds, seeds);
  for (int c = 0; c < NCONF; c++)
    for (int k = 0; k < NCRS; k++)
      sm[c][k] = summarize(res + (c * NCRS + k) * seeds, seeds);

  /* The table on stdout with the CSV rows (slicing-major, then CRS; the
   * float row last), the per-slice saturation as a second CSV and every
   * accuracy and slice-0 saturation in the JSON line. */
  xbx_out *out = xbx_out_create(prog.name, outdir);
  FILE *f = xbx_out_open(out, "opa_mlp.csv",
      "# opa_mlp: MNIST 14x14, 196-32-10 MLP, %d epochs of SGD (batch 1), "
      "eta %g, weights W_int 2^-%d in 8 slices of 2 data bits, %d seeds from "
      "%llu\n# accuracy: mean over seeds (se: its standard error); "
      "sat_slice*: layer-1 saturated cell fraction, mean of checks every %d "
      "steps; clipped: clipped cell updates per run; upd64: non-zero updates "
      "per layer-1 weight per 64 steps; upd_lsb: their mean size in weight "
      "LSBs; crs 0: never, -1: float reference\nconfig,index,crs,accuracy,"
      "accuracy_se,clipped,upd64,upd_lsb", epochs, eta, frac, seeds, seed,
      CHECK);
  FILE *g = xbx_out_open(out, "opa_mlp_slices.csv", "# opa_mlp: layer-1 "
                         "saturated cell fraction per slice (rows) for each "
                         "slicing / CRS interval (columns)\nslice");
  if (!f || !g) {
    xbx_out_free(out);
    goto done;
  }
  for (int q = 0; q < NS; q++)
    fprintf(f, ",sat_slice%d", q);
  fprintf(f, "\n");
  for (int c = 0; c < NCONF; c++)
    for (int k = 0; k < NCRS; k++)
      fprintf(g, ",%s/%d", names[c], crss[k]);
  fprintf(g, "\n");
  for (int q = 0; q < NS; q++) {
    fprintf(g, "%d", q);
    for (int c = 0; c < NCONF; c++)
      for (int k = 0; k < NCRS; k++)
        fprintf(g, ",%.5f", sm[c][k].sat[q]);
    fprintf(g, "\n");
  }
  printf("%d epochs, eta %g, 2^-%d weight LSB, %d seeds: float reference "
         "accuracy %.4f +- %.4f\n", epochs, eta, frac, seeds, ref.acc,
         ref.acc_se);
  printf("%-22s %5s %15s %6s %6s %6s %6s %6s %10s %6s %6s\n", "slicing",
         "CRS", "accuracy", "sat0", "sat1", "sat2", "sat3", "sat4",
         "clipped", "upd64", "lsb");
  char spec[4096] = "experiment=%s epochs=%d eta=%g frac=%d seeds=%d "
                    "float_acc=%.4f float_acc_se=%.4f";
  size_t len = strlen(spec);
  double hclamp = 0;
  for (int c = 0; c < NCONF; c++)
    for (int k = 0; k < NCRS; k++) {
      const result *r = &sm[c][k];
      fprintf(f, "%s,%d,%d,%.4f,%.4f,%.0f,%.3f,%.3f", names[c], c, crss[k],
              r->acc, r->acc_se, r->clipped, 64 * r->upd, r->upd_lsb);
      for (int q = 0; q < NS; q++)
        fprintf(f, ",%.5f", r->sat[q]);
      fprintf(f, "\n");
      char cs[16];
      snprintf(cs, sizeof cs, crss[k] ? "%d" : "never", crss[k]);
      printf("%-22s %5s %8.4f+-%.4f %6.4f %6.4f %6.4f %6.4f %6.4f %10.0f "
             "%6.2f %6.2f\n", names[c], cs, r->acc, r->acc_se, r->sat[0],
             r->sat[1], r->sat[2], r->sat[3], r->sat[4], r->clipped,
             64 * r->upd, r->upd_lsb);
      hclamp = r->hclamp > hclamp ? r->hclamp : hclamp;
      len += (size_t)snprintf(spec + len, sizeof spec - len,
                              " acc_%s_%s=%.4f sat0_%s_%s=%.4f", tags[c],
                              ctags[k], r->acc, tags[c], ctags[k],
                              r->sat[0]);
    }
  snprintf(spec + len, sizeof spec - len, " seconds=%%.1f");
  fprintf(f, "float,%d,-1,%.4f,%.4f,0,,,,,,,,,,\n", NCONF, ref.acc,
          ref.acc_se);
  if (hclamp > 0.01)
    fprintf(stderr, "%s: warning: up to %.1f%% of hidden row inputs "
            "clamped at %d\n", prog.name, 100 * hclamp, HMAX);
  xbx_out_plot(out, "opa_mlp", "slices='%s/opa_mlp_slices.csv'; ref=%.4f; "
               "ref_se=%.4f", outdir, ref.acc, ref.acc_se);
  rc = xbx_out_end(out, 1, spec, prog.name, epochs, eta, frac, seeds,
                   ref.acc, ref.acc_se, xbx_now() - t0);
done:
  xb_images_free(im);
  free(x);
  free(res);
  return rc;
}
