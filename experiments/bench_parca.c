/*
 * bench_parca: learning speed of the PARCA loop at each fidelity, 100
 * atoms and 100 ISTA iterations per patch (200 array reads) plus one write
 * per patch, on MNIST patches (synthetic when the cache is absent).
 * Prints one JSON line: ideal_pps, behavioral_pps, circuit_pps,
 * ratio_behavioral_ideal (patches per second of training), and the
 * behavioral speed with the accumulate write (behavioral_accum_pps,
 * ratio_accum_ideal).
 *
 * usage: bench_parca [--ideal N] [--behavioral N] [--circuit N]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xbar/xbar.h>

#include "exp_util.h"

#define SRC XB_SOURCE_DIR

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Patches per second of training n patches at fidelity f, with the
 * overlap (accum 0) or the accumulate write. */
static double rate(const xb_patches *tr, int n, int fidelity, int accum,
                   int batch,
                   const double *D0, xb_device *dev, xb_read *rd,
                   const xb_write_params *wp, xb_err *err)
{
  xb_learn_params p;
  xb_param_defaults(&xb_learn_param_set, &p);
  p.atoms = 100;
  p.iters = 100;
  p.lambda = 0.21;
  p.eta = fidelity ? (accum ? 0.02 : 0.03) : 0.08;
  p.accum = accum;
  p.fidelity = fidelity;
  p.batch = batch;
  p.fista = fidelity == 0;
  xb_learner *l = xb_learner_create((int)tr->dim, &p, D0, 1, err);
  if (!l)
    return NAN;
  if (fidelity && xb_learner_attach(l, dev, rd, wp, NULL, err)) {
    xb_learner_free(l);
    return NAN;
  }
  double t0 = now();
  int rc = xb_learner_train(l, tr->x, (size_t)n, NULL, NULL, err);
  double t = now() - t0;
  xb_learner_free(l);
  return rc ? NAN : n / t;
}

int main(int argc, char **argv)
{
  int n_ideal = 100000, n_beh = 20000, n_cir = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    int v;
    if (!xbx_parse_int(argv[i + 1], 1, 10000000, &v)) {
      fprintf(stderr, "bench_parca: bad value %s\n", argv[i + 1]);
      return 2;
    }
    if (!strcmp(argv[i], "--ideal"))
      n_ideal = v;
    else if (!strcmp(argv[i], "--behavioral"))
      n_beh = v;
    else if (!strcmp(argv[i], "--circuit"))
      n_cir = v;
    else {
      fprintf(stderr, "bench_parca: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  xb_err err;
  int nmax = n_ideal > n_beh ? n_ideal : n_beh;
  xb_images *im = xb_mnist_load(NULL, &err);
  xb_patches *tr = NULL;
  xb_synth *syn = NULL;
  if (im) {
    xb_patch_params pp;
    xb_param_defaults(&xb_patch_param_set, &pp);
    pp.count = nmax;
    tr = xb_patches_create(im, 0, 8000, &pp, 1, &err);
  } else {
    xb_synth_params sp;
    xb_param_defaults(&xb_synth_param_set, &sp);
    sp.n = nmax;
    syn = xb_synth_create(&sp, 1, &err);
    tr = syn ? syn->patches : NULL;
  }
  xb_device *dev = xb_device_load(SRC "/models/pcmo_parca.ini", &err);
  xb_read *rd = xb_read_create(xb_read_diff, NULL, &err);
  xb_write_params wp;
  xb_param_defaults(&xb_write_param_set, &wp);
  if (!tr || !dev || !rd ||
      xb_param_read(&xb_write_param_set, &wp, SRC "/models/parca_write.ini",
                    "write", &err)) {
    fprintf(stderr, "bench_parca: %s\n", err.msg);
    return 1;
  }
  double *D0 = malloc(tr->dim * 100 * sizeof(double));
  for (int a = 0; a < 100; a++) {
    size_t p = (size_t)(xb_rng_uniform(1, 0xd0ull, (uint64_t)a) * tr->n);
    for (size_t k = 0; k < tr->dim; k++)
      D0[k * 100 + (size_t)a] = tr->x[p * tr->dim + k];
  }
  fprintf(stderr, "bench_parca: ideal (%d patches)...\n", n_ideal);
  double ideal = rate(tr, n_ideal, 0, 0, 256, D0, dev, rd, &wp, &err);
  fprintf(stderr, "bench_parca: behavioral (%d patches)...\n", n_beh);
  double beh = rate(tr, n_beh, 1, 0, 256, D0, dev, rd, &wp, &err);
  fprintf(stderr, "bench_parca: behavioral, accumulate write (%d "
                  "patches)...\n", n_beh);
  double acc = rate(tr, n_beh, 1, 1, 256, D0, dev, rd, &wp, &err);
  fprintf(stderr, "bench_parca: circuit (%d patches)...\n", n_cir);
  double cir = rate(tr, n_cir, 2, 0, 1, D0, dev, rd, &wp, &err);
  printf("{\"bench\": \"parca\", \"data\": \"%s\", \"atoms\": 100, "
         "\"iters\": 100, \"ideal_pps\": %.1f, \"behavioral_pps\": %.1f, "
         "\"behavioral_accum_pps\": %.1f, \"circuit_pps\": %.3f, "
         "\"ratio_behavioral_ideal\": %.4f, \"ratio_accum_ideal\": %.4f}\n",
         im ? "mnist" : "synthetic", ideal, beh, acc, cir, beh / ideal,
         acc / ideal);
  free(D0);
  xb_read_free(rd);
  xb_device_free(dev);
  if (syn)
    xb_synth_free(syn);
  else
    xb_patches_free(tr);
  xb_images_free(im);
  return isfinite(ideal) && isfinite(beh) && isfinite(cir) ? 0 : 1;
}
