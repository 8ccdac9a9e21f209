/*
 * bench_parca: learning speed of the PARCA loop at each fidelity, 100
 * atoms and 100 ISTA iterations per patch (200 array reads) plus one write
 * per patch, on MNIST patches (synthetic when the cache is absent).
 * Prints one JSON line: ideal_pps, behavioral_pps, circuit_pps,
 * ratio_behavioral_ideal (patches per second of training), and the
 * behavioral speed with the accumulate write (behavioral_accum_pps,
 * ratio_accum_ideal).
 */
#include <math.h>
#include <stdlib.h>

#include <xbar/xbar.h>

#include "exp_util.h"

#define SRC XB_SOURCE_DIR
#define ATOMS 100
#define ITERS 100

static const xbx_prog prog = {
  "bench_parca",
  "learning speed of the PARCA loop at each fidelity",
  "Trains a dictionary of 100 atoms (100 ISTA iterations per patch, 200 "
  "array reads, and one write) on MNIST patches, synthetic ones when the "
  "cache is absent, at the ideal fidelity (float, FISTA), the behavioral "
  "one (the overlap write, then the accumulate write) and the circuit one "
  "(models/pcmo_parca.ini, models/parca_write.ini, the differential read "
  "circuit), and reports the training speed of each.",
  "stdout one JSON line: ideal_pps, behavioral_pps, behavioral_accum_pps, "
  "circuit_pps (patches per second of training), ratio_behavioral_ideal, "
  "ratio_accum_ideal",
  "bench_parca --ideal 2000 --behavioral 1000 --circuit 1"};

/* Patches per second of training n patches at fidelity f, with the
 * overlap (accum 0) or the accumulate write. */
static double rate(const xb_patches *tr, int n, int fidelity, int accum,
                   int batch,
                   const double *D0, xb_device *dev, xb_read *rd,
                   const xb_write_params *wp, xb_err *err)
{
  xb_learn_params p;
  xb_param_defaults(&xb_learn_param_set, &p);
  p.atoms = ATOMS;
  p.iters = ITERS;
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
  double t0 = xbx_now();
  int rc = xb_learner_train(l, tr->x, (size_t)n, NULL, NULL, err);
  double t = xbx_now() - t0;
  xb_learner_free(l);
  return rc ? NAN : n / t;
}

int main(int argc, char **argv)
{
  int n_ideal = 100000, n_beh = 20000, n_cir = 3;
  XBX_PARSE(prog,
    XBX_INT("ideal", &n_ideal, "", 1, 10000000, "patches of the ideal run"),
    XBX_INT("behavioral", &n_beh, "", 1, 10000000,
            "patches of each behavioral run"),
    XBX_INT("circuit", &n_cir, "", 1, 10000000, "patches of the circuit run"));
  xb_err err;
  xbx_data d;
  xb_write_params wp;
  double *D0 = NULL;
  int nmax = n_ideal > n_beh ? n_ideal : n_beh;
  int rc = xbx_data_load(&d, prog.name, 0, nmax, 0, 1, &err);
  xb_device *dev = rc ? NULL : xb_device_load(SRC "/models/pcmo_parca.ini",
                                              &err);
  xb_read *rd = dev ? xb_read_create(xb_read_diff, NULL, &err) : NULL;
  if (!rd || xbx_write_timing(SRC "/models/parca_write.ini", &wp, &err)) {
    fprintf(stderr, "bench_parca: %s\n", err.msg);
    rc = 1;
    goto done;
  }
  if (!(D0 = xbx_dict_init(d.train, ATOMS, 1))) {
    fprintf(stderr, "bench_parca: out of memory\n");
    rc = 1;
    goto done;
  }
  fprintf(stderr, "bench_parca: ideal (%d patches)...\n", n_ideal);
  double ideal = rate(d.train, n_ideal, 0, 0, 256, D0, dev, rd, &wp, &err);
  fprintf(stderr, "bench_parca: behavioral (%d patches)...\n", n_beh);
  double beh = rate(d.train, n_beh, 1, 0, 256, D0, dev, rd, &wp, &err);
  fprintf(stderr, "bench_parca: behavioral, accumulate write (%d "
                  "patches)...\n", n_beh);
  double acc = rate(d.train, n_beh, 1, 1, 256, D0, dev, rd, &wp, &err);
  fprintf(stderr, "bench_parca: circuit (%d patches)...\n", n_cir);
  double cir = rate(d.train, n_cir, 2, 0, 1, D0, dev, rd, &wp, &err);
  xbx_json_print(1,
                 "bench=%s data=%s atoms=%d iters=%d ideal_pps=%.1f "
                 "behavioral_pps=%.1f behavioral_accum_pps=%.1f "
                 "circuit_pps=%.3f ratio_behavioral_ideal=%.4f "
                 "ratio_accum_ideal=%.4f",
                 "parca", d.mnist ? "mnist" : "synthetic", ATOMS, ITERS,
                 ideal, beh, acc, cir, beh / ideal, acc / ideal);
  rc = isfinite(ideal) && isfinite(beh) && isfinite(cir) ? 0 : 1;
done:
  free(D0);
  xb_read_free(rd);
  xb_device_free(dev);
  xbx_data_free(&d);
  return rc;
}
