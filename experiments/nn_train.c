/*
 * nn_train: the float reference networks of issue 17, trained in C on the
 * project's MNIST digits, dense and block-sparse, their weights saved as
 * .npy for the tile experiments.
 *
 * Data: the 10,000 cached digits (xb_mnist_load; scripts/fetch-mnist.sh),
 * pixels p / 255; images [0, 8000) train, [8000, 10000) test (the cache is
 * stratified, so ranges are fair splits; the PARCA demo's split). Each
 * epoch every training digit is shifted by (dx, dy), each uniform in
 * [-shift, shift] pixels (default 1, zero fill) and the set shuffled, both
 * from Philox streams of the seed: the only augmentation, and what lets
 * 8000 digits train a 97% network.
 *
 * Networks (xbar/nn.h): the MLP 784-256-10 (ReLU) and the LSTM on
 * sequential MNIST (28 steps of one 28-pixel row, 128 cells, h_28 to 10
 * logits). Softmax cross-entropy, minibatches (default 64), Adam with a
 * cosine learning-rate decay to 0 over the epochs, decoupled weight decay
 * and, for the LSTM, global gradient-norm clipping (default 1).
 *
 * Masks (seed 001 section II-B): "dense"; "cgs", every weight matrix cut
 * into blocks of one tile, tile_rows inputs by tile_cols weight columns
 * (default 128 x 64: a 128 x 128 tile of differential pairs, the default
 * of xbar/tile.h), of which round(keep x blocks per block-row) are kept in
 * every block-row (at least one; default keep 0.5); "hcgs", the same and
 * then round(sub_keep x sub-blocks) of the sub x sub sub-blocks of every
 * sub-block-row of each kept block (default 16, 0.25: 8x fewer weights
 * where a matrix has several block-columns).
 * Masks are drawn once before training and fixed (weights and gradients
 * zero outside). Reported per run: test accuracy, weights kept and tiles
 * used (blocks holding any weight) over all weight matrices.
 *
 * Output: progress lines on stderr (network, mask, epoch, loss, train and
 * test accuracy, time), one JSON line on stdout with every accuracy,
 * weights kept and tiles used; the weights as <out>/<net>_<mask>_<tensor>.npy
 * (xb_nn_save; masks as <tensor>_mask.npy), out by default the nn/ folder
 * of the MNIST cache (xb_mnist_cache_dir). --eval reads such files back
 * (xb_nn_load) and only measures the test accuracy.
 *
 * Deterministic: the seed fixes init, masks, shifts and order; OpenMP and
 * OpenBLAS thread counts do not change the result (fixed-order sums).
 *
 * usage: nn_train [--net both|mlp|lstm] [--masks all|dense|cgs|hcgs]
 *                 [--out DIR] [--eval DIR] [options below]
 */
#include <cblas.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/xbar.h>

#include "exp_util.h"

#define PROG "nn_train"
#define TAG_SHUFFLE (UINT64_C(0xB1) << 56)
#define TAG_SHIFT (UINT64_C(0xB2) << 56)
#define TAG_MASK (UINT64_C(0xB3) << 56)
#define SIDE 28
#define PIX (SIDE * SIDE)

static const double PI = 3.14159265358979323846;

typedef struct options {
  const char *net, *masks, *out, *eval;
  int mlp_epochs, lstm_epochs, batch, shift, tile_rows, tile_cols, sub, train,
      hidden;
  double mlp_lr, lstm_lr, decay, clip, keep, sub_keep;
  unsigned long long seed;
} options;

/* The option table: name, kind (s string, i int, d double), field, range,
 * help. */
typedef struct opt_row {
  const char *name;
  char kind;
  size_t off;
  double lo, hi;
  const char *help;
} opt_row;

#define O(f) offsetof(options, f)
static const opt_row OPTS[] = {
    {"net", 's', O(net), 0, 0, "both, mlp or lstm"},
    {"masks", 's', O(masks), 0, 0, "all, dense, cgs or hcgs"},
    {"out", 's', O(out), 0, 0, "folder of the .npy weights (default "
                               "<MNIST cache>/nn)"},
    {"eval", 's', O(eval), 0, 0, "folder: only evaluate saved weights"},
    {"mlp-epochs", 'i', O(mlp_epochs), 1, 1000, "MLP epochs"},
    {"lstm-epochs", 'i', O(lstm_epochs), 1, 1000, "LSTM epochs"},
    {"mlp-lr", 'd', O(mlp_lr), 1e-6, 1, "MLP Adam step size"},
    {"lstm-lr", 'd', O(lstm_lr), 1e-6, 1, "LSTM Adam step size"},
    {"batch", 'i', O(batch), 1, 8000, "minibatch size"},
    {"decay", 'd', O(decay), 0, 1, "decoupled weight decay"},
    {"clip", 'd', O(clip), 0, 1e6, "LSTM gradient-norm clip (0: off)"},
    {"shift", 'i', O(shift), 0, 8, "largest random shift, pixels"},
    {"train", 'i', O(train), 1, 8000, "training digits (of [0, 8000))"},
    {"hidden", 'i', O(hidden), 1, 4096, "LSTM cells (MLP: 256 hidden)"},
    {"tile-rows", 'i', O(tile_rows), 1, 4096, "tile inputs (block rows)"},
    {"tile-cols", 'i', O(tile_cols), 1, 4096,
     "tile weight columns (block columns; 64 = a 128-column "
     "differential-pair tile)"},
    {"keep", 'd', O(keep), 0, 1, "fraction of blocks kept a block-row"},
    {"sub", 'i', O(sub), 1, 4096, "HCGS sub-block side"},
    {"sub-keep", 'd', O(sub_keep), 0, 1, "HCGS fraction of sub-blocks kept"},
    {"seed", 'u', O(seed), 0, 0, "seed of init, masks, shifts, order"},
};
#undef O
#define NOPTS (sizeof OPTS / sizeof OPTS[0])

static void usage(void)
{
  printf("usage: " PROG " [--OPTION VALUE]...\n");
  for (size_t k = 0; k < NOPTS; k++)
    printf("  --%-12s %s\n", OPTS[k].name, OPTS[k].help);
}

static int parse(int argc, char **argv, options *o)
{
  *o = (options){"both", "all", NULL, NULL, 40, 25, 64, 1, 128, 64, 16,
                 8000, 128, 2e-3, 2e-3, 1e-3, 1.0, 0.5, 0.25, 1};
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage();
      exit(0);
    }
    const opt_row *r = NULL;
    for (size_t k = 0; k < NOPTS && !r; k++)
      if (strncmp(argv[i], "--", 2) == 0 && strcmp(argv[i] + 2, OPTS[k].name) == 0)
        r = &OPTS[k];
    const char *v = i + 1 < argc ? argv[++i] : NULL;
    char *f = r ? (char *)o + r->off : NULL;
    int ok = r && v;
    if (ok && r->kind == 's')
      *(const char **)f = v;
    else if (ok && r->kind == 'i')
      ok = xbx_parse_int(v, (int)r->lo, (int)r->hi, (int *)f);
    else if (ok && r->kind == 'd')
      ok = xbx_parse_double(v, r->lo, r->hi, (double *)f);
    else if (ok)
      ok = xbx_parse_u64(v, (unsigned long long *)f);
    if (!ok) {
      fprintf(stderr, PROG ": bad option %s%s%s (--help lists them)\n",
              argv[i - (v != NULL)], v ? " " : "", v ? v : "");
      return -1;
    }
  }
  return 0;
}

/* ---- data ---------------------------------------------------------------- */

typedef struct digits {
  size_t n;
  float *x; /* n x 784, [0, 1] */
  int *y;
} digits;

static int digits_from(const xb_images *im, size_t first, size_t last,
                       digits *d)
{
  d->n = last - first;
  d->x = malloc(d->n * PIX * sizeof *d->x);
  d->y = malloc(d->n * sizeof *d->y);
  if (!d->x || !d->y)
    return -1;
  for (size_t i = 0; i < d->n * PIX; i++)
    d->x[i] = im->pix[first * PIX + i] / 255.0f;
  for (size_t i = 0; i < d->n; i++)
    d->y[i] = im->labels[first + i];
  return 0;
}

/* One epoch's training set: digits in a shuffled order, each shifted. */
static void epoch_set(const digits *tr, int shift, uint64_t seed, int epoch,
                      digits *ep)
{
  size_t *ord = malloc(tr->n * sizeof *ord);
  for (size_t i = 0; i < tr->n; i++)
    ord[i] = i;
  for (size_t i = tr->n; i-- > 1;) { /* Fisher-Yates */
    size_t j = (size_t)(xb_rng_uniform(seed, TAG_SHUFFLE | (uint64_t)epoch, i) *
                        (double)(i + 1));
    size_t t = ord[i];
    ord[i] = ord[j < i ? j : i];
    ord[j < i ? j : i] = t;
  }
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < tr->n; i++) {
    const float *src = tr->x + ord[i] * PIX;
    float *dst = ep->x + i * PIX;
    uint32_t w[4];
    xb_rng_words(seed, TAG_SHIFT | (uint64_t)epoch, ord[i], w);
    const int span = 2 * shift + 1;
    const int dx = (int)(w[0] % (uint32_t)span) - shift,
              dy = (int)(w[1] % (uint32_t)span) - shift;
    for (int r = 0; r < SIDE; r++)
      for (int c = 0; c < SIDE; c++) {
        int sr = r - dy, sc = c - dx;
        dst[r * SIDE + c] = sr >= 0 && sr < SIDE && sc >= 0 && sc < SIDE
                                ? src[sr * SIDE + sc]
                                : 0.0f;
      }
    ep->y[i] = tr->y[ord[i]];
  }
  ep->n = tr->n;
  free(ord);
}

/* ---- one run ---------------------------------------------------------------- */

typedef struct run {
  const char *net, *mask;
  double acc;
  size_t weights, kept, tiles, tiles_dense;
  double seconds;
} run;

static xb_nn *make_net(const char *net, const options *o, xb_err *e)
{
  if (strcmp(net, "mlp") == 0) {
    const size_t sz[3] = {PIX, 256, 10};
    return xb_nn_mlp_create(2, sz, o->seed, e);
  }
  return xb_nn_lstm_create(SIDE, SIDE, (size_t)o->hidden, 10, o->seed, e);
}

/* Fix the run's mask (cgs, hcgs) on every weight matrix. */
static int set_masks(xb_nn *nn, const options *o, const char *mask,
                     xb_err *e)
{
  for (size_t k = 0; k < xb_nn_tensors(nn); k++) {
    xb_nn_tensor t;
    xb_nn_tensor_get(nn, k, &t, NULL);
    if (!t.mvm || strcmp(mask, "dense") == 0)
      continue;
    const size_t tc = (size_t)o->tile_cols, sub = (size_t)o->sub;
    const size_t nbc = (t.cols + tc - 1) / tc;
    const size_t nsc = ((t.cols < tc ? t.cols : tc) + sub - 1) / sub;
    xb_nn_mask_params p;
    xb_param_defaults(&xb_nn_mask_param_set, &p);
    p.block_rows = o->tile_rows;
    p.block_cols = o->tile_cols;
    p.keep = (int)fmax(1.0, round(o->keep * (double)nbc));
    p.sub = strcmp(mask, "hcgs") == 0 ? o->sub : 0;
    p.sub_keep = (int)fmax(1.0, round(o->sub_keep * (double)nsc));
    unsigned char *m = malloc(t.rows * t.cols);
    int rc = m ? xb_nn_mask_make(t.rows, t.cols, &p, o->seed, TAG_MASK | k,
                                 m, e)
               : XB_ENOMEM;
    if (rc == XB_OK)
      rc = xb_nn_mask_set(nn, k, m, e);
    free(m);
    if (rc != XB_OK)
      return rc;
  }
  return XB_OK;
}

/* Weights kept and tiles used over every weight matrix. */
static void count_usage(const xb_nn *nn, const options *o, run *r)
{
  r->weights = r->kept = r->tiles = r->tiles_dense = 0;
  for (size_t k = 0; k < xb_nn_tensors(nn); k++) {
    xb_nn_tensor t;
    xb_nn_tensor_get(nn, k, &t, NULL);
    if (!t.mvm)
      continue;
    size_t kept, tiles, dense;
    const size_t tr = (size_t)o->tile_rows, tc = (size_t)o->tile_cols;
    xb_nn_mask_count(t.mask, t.rows, t.cols, tr, tc, &kept, &tiles);
    xb_nn_mask_count(NULL, t.rows, t.cols, tr, tc, NULL, &dense);
    r->weights += t.rows * t.cols;
    r->kept += kept;
    r->tiles += tiles;
    r->tiles_dense += dense;
  }
}

static int train(xb_nn *nn, const options *o, const digits *tr,
                 const digits *te, run *r, xb_err *e)
{
  const int lstm = strcmp(r->net, "lstm") == 0;
  const int epochs = lstm ? o->lstm_epochs : o->mlp_epochs;
  xb_nn_train_params p;
  xb_param_defaults(&xb_nn_train_param_set, &p);
  p.weight_decay = o->decay;
  p.clip = lstm ? o->clip : 0.0;
  digits ep = {0, malloc(tr->n * PIX * sizeof(float)),
               malloc(tr->n * sizeof(int))};
  const size_t nb = (tr->n + (size_t)o->batch - 1) / (size_t)o->batch;
  const long long steps = (long long)epochs * (long long)nb;
  long long step = 0;
  int rc = ep.x && ep.y ? XB_OK : XB_ENOMEM;
  double t0 = xbx_now();
  for (int epoch = 0; epoch < epochs && rc == XB_OK; epoch++) {
    epoch_set(tr, o->shift, o->seed, epoch, &ep);
    double loss_sum = 0.0;
    for (size_t b = 0; b < nb && rc == XB_OK; b++, step++) {
      const size_t s = b * (size_t)o->batch;
      const size_t n = tr->n - s < (size_t)o->batch ? tr->n - s : (size_t)o->batch;
      double loss;
      p.lr = (lstm ? o->lstm_lr : o->mlp_lr) * 0.5 *
             (1.0 + cos(PI * (double)step / (double)steps));
      p.lr = fmax(p.lr, 1e-9);
      rc = xb_nn_grad(nn, ep.x + s * PIX, ep.y + s, n, &loss, e);
      if (rc == XB_OK)
        rc = xb_nn_step(nn, &p, e);
      loss_sum += loss * (double)n;
    }
    double acc_te = 0;
    if (rc == XB_OK)
      rc = xb_nn_accuracy(nn, te->x, te->y, te->n, &acc_te, e);
    fprintf(stderr, "%-4s %-5s epoch %3d/%d  loss %.4f  test %.4f  %6.1f s\n",
            r->net, r->mask, epoch + 1, epochs, loss_sum / (double)tr->n,
            acc_te, xbx_now() - t0);
    r->acc = acc_te;
  }
  r->seconds = xbx_now() - t0;
  free(ep.x);
  free(ep.y);
  return rc;
}

int main(int argc, char **argv)
{
  options o;
  if (parse(argc, argv, &o) != 0)
    return 2;
  /* The products are small (a batch of 64): one BLAS thread beside the
   * OpenMP loops is faster (an LSTM epoch 4.8 s against 7.2 s with two)
   * and gives the same numbers. */
  openblas_set_num_threads(1);
  xb_err e;
  xb_images *im = xb_mnist_load(NULL, &e);
  if (!im) {
    fprintf(stderr, PROG ": %s\n", e.msg);
    return 1;
  }
  digits tr, te;
  if (digits_from(im, 0, (size_t)o.train, &tr) != 0 ||
      digits_from(im, 8000, 10000, &te) != 0) {
    fprintf(stderr, PROG ": out of memory\n");
    return 1;
  }
  xb_images_free(im);
  char out[1024];
  if (o.eval) {
    snprintf(out, sizeof out, "%s", o.eval);
  } else if (o.out) {
    snprintf(out, sizeof out, "%s", o.out);
  } else if (xb_mnist_cache_dir(out, sizeof out - 4, &e) != XB_OK) {
    fprintf(stderr, PROG ": %s\n", e.msg);
    return 1;
  } else {
    strcat(out, "/nn");
  }
  if (!o.eval && xbx_make_dir(out, PROG) != 0)
    return 1;

  const char *nets[2] = {"mlp", "lstm"}, *masks[3] = {"dense", "cgs", "hcgs"};
  run runs[6];
  int nrun = 0, status = 0;
  for (int a = 0; a < 2 && !status; a++) {
    if (strcmp(o.net, "both") != 0 && strcmp(o.net, nets[a]) != 0)
      continue;
    for (int m = 0; m < 3 && !status; m++) {
      if (strcmp(o.masks, "all") != 0 && strcmp(o.masks, masks[m]) != 0)
        continue;
      run *r = &runs[nrun];
      *r = (run){nets[a], masks[m], 0, 0, 0, 0, 0, 0};
      char prefix[64];
      snprintf(prefix, sizeof prefix, "%s_%s_", r->net, r->mask);
      xb_nn *nn = make_net(r->net, &o, &e);
      int rc = nn ? XB_OK : e.code;
      if (rc == XB_OK && o.eval) { /* the masks come with the weights */
        rc = xb_nn_load(nn, out, prefix, &e);
        count_usage(nn, &o, r);
        if (rc == XB_OK)
          rc = xb_nn_accuracy(nn, te.x, te.y, te.n, &r->acc, &e);
      } else if (rc == XB_OK) {
        rc = set_masks(nn, &o, r->mask, &e);
        count_usage(nn, &o, r);
        if (rc == XB_OK)
          rc = train(nn, &o, &tr, &te, r, &e);
        if (rc == XB_OK)
          rc = xb_nn_save(nn, out, prefix, &e);
      }
      xb_nn_free(nn);
      if (rc != XB_OK) {
        fprintf(stderr, PROG ": %s %s: %s (%s)\n", r->net, r->mask, e.msg,
                xb_strerror(rc));
        status = 1;
      }
      nrun++;
    }
  }
  if (status || nrun == 0) {
    if (!nrun)
      fprintf(stderr, PROG ": no run: --net %s --masks %s\n", o.net, o.masks);
    return status ? status : 2;
  }
  printf("{\"experiment\": \"" PROG "\", \"mode\": \"%s\", \"seed\": %llu, "
         "\"tile_rows\": %d, \"tile_cols\": %d, \"out\": \"%s\"",
         o.eval ? "eval" : "train", o.seed, o.tile_rows, o.tile_cols, out);
  for (int k = 0; k < nrun; k++) {
    const run *r = &runs[k];
    printf(", \"%s_%s\": {\"test_acc\": %.4f, \"weights_kept\": %zu, "
           "\"weights\": %zu, \"tiles\": %zu, \"tiles_dense\": %zu, "
           "\"seconds\": %.1f}",
           r->net, r->mask, r->acc, r->kept, r->weights, r->tiles,
           r->tiles_dense, r->seconds);
  }
  printf("}\n");
  free(tr.x);
  free(tr.y);
  free(te.x);
  free(te.y);
  return 0;
}
