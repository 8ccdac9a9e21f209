/*
 * PARCA learning: on the synthetic ground-truth task the ideal learner
 * recovers at least 90% of the true atoms (cosine >= 0.9); ISTA codes
 * satisfy the optimality conditions of the non-negative lasso; the
 * behavioral fidelity (array in the loop, linear device) learns too; runs
 * are deterministic; the accumulate write moves cells by exactly its
 * pulse counts; a nonlinear (PCMO-labelled) cell learns worse with the
 * overlap write and recovers with the accumulate write; bad input is
 * rejected.
 */
#include <string.h>

#include <xbar/xbar.h>

#include "xb_check.h"

/* Fraction of true atoms matched by some learned atom with cosine >= 0.9. */
static double recovered(const double *Dt, int K, const double *D, int m,
                        int dim)
{
  int rec = 0;
  for (int a = 0; a < K; a++) {
    double best = 0;
    for (int b = 0; b < m; b++) {
      double s = 0, nt = 0, nl = 0;
      for (int i = 0; i < dim; i++) {
        s += Dt[(size_t)i * K + a] * D[(size_t)i * m + b];
        nt += Dt[(size_t)i * K + a] * Dt[(size_t)i * K + a];
        nl += D[(size_t)i * m + b] * D[(size_t)i * m + b];
      }
      if (nt > 0 && nl > 0)
        best = fmax(best, s / sqrt(nt * nl));
    }
    rec += best >= 0.9;
  }
  return (double)rec / K;
}

/* Atoms cut from the first training patches at fixed, spread positions. */
static double *init_from(const xb_patches *p, int m)
{
  size_t dim = p->dim;
  double *D = malloc(dim * (size_t)m * sizeof(double));
  for (int b = 0; b < m; b++) {
    size_t src = (size_t)b * (p->n / (size_t)m);
    for (size_t i = 0; i < dim; i++)
      D[i * (size_t)m + (size_t)b] = p->x[src * dim + i];
  }
  return D;
}

static xb_synth *task(int atoms, int n)
{
  xb_synth_params sp;
  xb_param_defaults(&xb_synth_param_set, &sp);
  sp.atoms = atoms;
  sp.k = 3;
  sp.n = n;
  sp.amp_min = 0.3;
  sp.amp_max = 1.0;
  sp.sigma = 0.01;
  xb_err e;
  xb_synth *s = xb_synth_create(&sp, 7, &e);
  ck_assert_msg(s != NULL, "%s", e.msg);
  return s;
}

START_TEST(test_synthetic_recovery)
{
  const int K = 50, m = 100;
  xb_synth *s = task(K, 20000);
  int dim = (int)s->patches->dim;
  double *D0 = init_from(s->patches, m);
  xb_learn_params p;
  xb_param_defaults(&xb_learn_param_set, &p);
  p.atoms = m;
  p.lambda = 0.02;
  p.eta = 0.05;
  p.batch = 32;
  p.fista = 1;
  xb_err e;
  xb_learner *l = xb_learner_create(dim, &p, D0, 1, &e);
  ck_assert_msg(l != NULL, "%s", e.msg);
  double before = recovered(s->d, K, xb_learner_dict(l), m, dim);
  for (int ep = 0; ep < 3; ep++)
    ck_assert_int_eq(
        xb_learner_train(l, s->patches->x, s->patches->n, NULL, NULL, &e),
        XB_OK);
  double after = recovered(s->d, K, xb_learner_dict(l), m, dim);
  ck_assert_msg(after >= 0.9, "recovered %.2f of the atoms (before %.2f)",
                after, before);
  ck_assert(before < 0.5); /* the task is not solved by the start */
  xb_learn_eval ev;
  ck_assert_int_eq(xb_learner_evaluate(l, s->patches->x, 2000, &ev, &e),
                   XB_OK);
  ck_assert_msg(ev.rel_err < 0.15, "relative error %g", ev.rel_err);
  const double *D = xb_learner_dict(l);
  for (size_t k = 0; k < (size_t)dim * m; k++)
    ck_assert(D[k] >= 0 && D[k] <= 1);
  xb_learner_free(l);
  free(D0);
  xb_synth_free(s);
}
END_TEST

/* At convergence the ISTA code solves min 1/2 |Dz - x|^2 + lambda |z|_1,
 * z >= 0: for z_j > 0 the gradient g_j = (D^T (Dz - x))_j = -lambda, and
 * for z_j = 0, g_j >= -lambda. The iterations run in single precision, so
 * the conditions hold to about 1e-6 of the gradient scale; 1e-5 here. */
START_TEST(test_ista_optimality)
{
  xb_synth *s = task(20, 200);
  int dim = (int)s->patches->dim, m = 30;
  double *D0 = init_from(s->patches, m);
  xb_learn_params p;
  xb_param_defaults(&xb_learn_param_set, &p);
  p.atoms = m;
  p.lambda = 0.05;
  p.iters = 5000;
  p.fista = 1;
  xb_learner *l = xb_learner_create(dim, &p, D0, 1, NULL);
  double *Z = malloc(10 * (size_t)m * sizeof(double));
  ck_assert_int_eq(xb_learner_encode(l, s->patches->x, 10, Z, NULL), XB_OK);
  for (int n = 0; n < 10; n++) {
    const double *x = s->patches->x + (size_t)n * dim, *z = Z + n * m;
    for (int j = 0; j < m; j++) {
      double g = 0;
      for (int i = 0; i < dim; i++) {
        double r = -x[i];
        for (int k = 0; k < m; k++)
          r += D0[(size_t)i * m + k] * z[k];
        g += D0[(size_t)i * m + j] * r;
      }
      if (z[j] > 0)
        ck_assert_msg(fabs(g + p.lambda) < 1e-5, "active %d: %g", j, g);
      else
        ck_assert_msg(g >= -p.lambda - 1e-5, "inactive %d: %g", j, g);
    }
  }
  free(Z);
  xb_learner_free(l);
  free(D0);
  xb_synth_free(s);
}
END_TEST

/* libgomp's, linked through the library: the behavioral reads run each
 * patch on one OpenMP thread, so the result must not depend on how many. */
extern void omp_set_num_threads(int n);

/* A straight-response cell without variation on PARCA's write scale: a
 * 1 ns pulse at 1 V is one of its `levels` steps (0: the model's default
 * count). */
static xb_device *straight_cell(double gmin, double gmax, int levels)
{
  xb_linear_params lp;
  xb_param_defaults(&xb_linear_param_set, &lp);
  lp.gmin = gmin;
  lp.gmax = gmax;
  if (levels > 0)
    lp.levels = levels;
  xb_elec_params el;
  xb_param_defaults(&xb_elec_param_set, &el);
  el.vw_set = el.vw_reset = 1.0;
  el.t_pulse = 1e-9;
  xb_err e;
  xb_device *d = xb_device_create(xb_device_linear, &lp, NULL, &el, NULL, &e);
  ck_assert_msg(d != NULL, "%s", e.msg);
  return d;
}

START_TEST(test_behavioral_learns_and_is_deterministic)
{
  xb_synth *s = task(20, 3000);
  int dim = (int)s->patches->dim, m = 40;
  double *D0 = init_from(s->patches, m);
  xb_device *d = straight_cell(1.17e-7, 8e-7, 0);
  xb_read *r = xb_read_create(xb_read_diff, NULL, NULL);
  xb_learn_params p;
  xb_param_defaults(&xb_learn_param_set, &p);
  p.atoms = m;
  p.lambda = 0.02;
  p.eta = 0.05;
  p.fidelity = 1;
  p.batch = 64;
  p.iters = 60;
  double err2[2];
  double *Dend = malloc((size_t)dim * m * sizeof(double));
  for (int run = 0; run < 2; run++) {
    xb_err e;
    omp_set_num_threads(run + 1); /* 1 thread, then 2 */
    xb_learner *l = xb_learner_create(dim, &p, D0, 3, &e);
    ck_assert_int_eq(xb_learner_attach(l, d, r, NULL, NULL, &e), XB_OK);
    xb_learn_eval e0, e1;
    xb_learner_evaluate(l, s->patches->x, 500, &e0, NULL);
    ck_assert_int_eq(xb_learner_train(l, s->patches->x, s->patches->n, NULL,
                                      NULL, &e), XB_OK);
    xb_learner_evaluate(l, s->patches->x, 500, &e1, NULL);
    ck_assert_msg(e1.rel_err < 0.9 * e0.rel_err, "%g -> %g", e0.rel_err,
                  e1.rel_err);
    err2[run] = e1.rel_err;
    if (run == 0)
      memcpy(Dend, xb_learner_dict(l), (size_t)dim * m * sizeof(double));
    else
      ck_assert(memcmp(Dend, xb_learner_dict(l),
                       (size_t)dim * m * sizeof(double)) == 0);
    xb_learner_free(l);
  }
  ck_assert(err2[0] == err2[1]);
  free(Dend);
  xb_read_free(r);
  xb_device_free(d);
  free(D0);
  xb_synth_free(s);
}
END_TEST

/* The accumulate write, exactly: on a straight-response cell without
 * variation one r pulse moves D by 1/levels, so after each patch D must
 * be D + n/levels with n = trunc(levels * acc), acc the sum of -eta r z^T
 * since the cell last moved; checked over two patches (the second
 * carries the first's remainders), with the write counts. At fidelity 2
 * the pulses go through the network (wires of 1 uOhm: the overlapping
 * cells see the full write voltage, the others half of it), a column and
 * a write period at a time, and must land the same. */
static void accumulate_exact(int fidelity)
{
  enum { DIM = 16, M = 8 };
  const double levels = 40; /* an r pulse (1 ns) is one level */
  xb_device *d = straight_cell(1e-7, 1e-6, (int)levels);
  xb_err e;
  xb_read *r = xb_read_create(xb_read_diff, NULL, NULL);
  double D0[DIM * M], X[2 * DIM];
  for (int k = 0; k < DIM * M; k++) /* away from the bounds */
    D0[k] = 0.3 + 0.4 * xb_rng_uniform(5, 1, (uint64_t)k);
  for (int k = 0; k < 2 * DIM; k++)
    X[k] = xb_rng_uniform(5, 2, (uint64_t)k);
  xb_learn_params p;
  xb_param_defaults(&xb_learn_param_set, &p);
  p.atoms = M;
  p.lambda = 0.05;
  p.eta = 0.3;
  p.batch = 1;
  p.accum = 1;
  p.fidelity = fidelity;
  xb_array_params ap;
  xb_param_defaults(&xb_array_param_set, &ap);
  ap.rw_row = ap.rw_col = ap.r_drive = 1e-6;
  xb_learner *l = xb_learner_create(DIM, &p, D0, 1, &e);
  ck_assert_int_eq(xb_learner_attach(l, d, r, NULL, &ap, &e), XB_OK);
  double D[DIM * M], acc[DIM * M], z[M], z2[M];
  memcpy(D, xb_learner_dict(l), sizeof D);
  memset(acc, 0, sizeof acc);
  uint64_t pulses = 0, periods = 0;
  xb_write_params wd;
  xb_param_defaults(&xb_write_param_set, &wd);
  int moved = 0, still = 0, R = wd.r_levels; /* pulses per write period */
  for (int s = 0; s < 2; s++) {
    const double *x = X + s * DIM;
    /* The codes the training step will compute: encoding is
     * deterministic without read noise (checked). */
    ck_assert_int_eq(xb_learner_encode(l, x, 1, z, &e), XB_OK);
    ck_assert_int_eq(xb_learner_encode(l, x, 1, z2, &e), XB_OK);
    ck_assert(memcmp(z, z2, sizeof z) == 0);
    int colmax[M] = {0};
    for (int i = 0; i < DIM; i++) {
      double ri = -x[i];
      for (int j = 0; j < M; j++)
        ri += D[i * M + j] * z[j];
      for (int j = 0; j < M; j++) {
        if (z[j] == 0)
          continue;
        acc[i * M + j] -= p.eta * ri * z[j];
        double n = trunc(acc[i * M + j] * levels);
        acc[i * M + j] -= n / levels;
        D[i * M + j] += n / levels;
        pulses += (uint64_t)fabs(n);
        colmax[j] = fmax(colmax[j], fabs(n));
        moved += n != 0;
        still += n == 0;
      }
    }
    for (int j = 0; j < M; j++)
      periods += (uint64_t)((colmax[j] + R - 1) / R);
    ck_assert_int_eq(xb_learner_train(l, x, 1, NULL, NULL, &e), XB_OK);
    const double *Dh = xb_learner_dict(l);
    for (int k = 0; k < DIM * M; k++)
      ck_assert_msg(fabs(Dh[k] - D[k]) < 1e-12, "patch %d cell %d: %.15g vs "
                    "%.15g", s, k, Dh[k], D[k]);
  }
  /* Both kinds of cell occur, or the check would be empty. */
  ck_assert_msg(moved >= 10 && still >= 10, "%d moved, %d still", moved,
                still);
  xb_learn_writes w = xb_learner_writes(l);
  ck_assert_uint_eq(w.patches, 2);
  ck_assert_uint_eq(w.pulses, pulses);
  ck_assert_uint_eq(w.periods, periods);
  xb_learner_free(l);
  xb_read_free(r);
  xb_device_free(d);
}

START_TEST(test_accumulate_exact)
{
  accumulate_exact(1);
}
END_TEST

START_TEST(test_accumulate_exact_network)
{
  accumulate_exact(2);
}
END_TEST

/* The device's nonlinearity reaches the learned dictionary: on MNIST
 * patches (make test fetches them; without them this test fails), the
 * same behavioral run from the same start on a cell with PCMO's labels
 * (LTP 3.68 / LTD -6.76, models/pcmo_parca.ini) instead of a straight
 * response ends at a clearly higher held-out error, while the straight
 * response learns; with the accumulate write PCMO learns about as well as
 * the straight response. parca_demo measures the same over 300,000
 * patches (2.0x against 1.2x the ideal run's error; 1.1x with the
 * accumulate write); here 20,000. */
static double beh_mnist(const xb_patches *tr, const xb_patches *te,
                        const double *D0, const xb_device *d, int accum)
{
  xb_read *r = xb_read_create(xb_read_diff, NULL, NULL);
  xb_write_params wp;
  xb_param_defaults(&xb_write_param_set, &wp);
  ck_assert_int_eq(xb_param_read(&xb_write_param_set, &wp,
                                 XB_SOURCE_DIR "/models/parca_write.ini",
                                 "write", NULL), XB_OK);
  xb_learn_params p;
  xb_param_defaults(&xb_learn_param_set, &p);
  p.lambda = 0.21;
  p.eta = accum ? 0.02 : 0.1; /* parca_demo's rates */
  p.fidelity = 1;
  p.accum = accum;
  xb_err e;
  xb_learner *l = xb_learner_create((int)tr->dim, &p, D0, 1, &e);
  ck_assert_int_eq(xb_learner_attach(l, d, r, &wp, NULL, &e), XB_OK);
  ck_assert_int_eq(xb_learner_train(l, tr->x, tr->n, NULL, NULL, &e), XB_OK);
  xb_learn_eval ev;
  ck_assert_int_eq(xb_learner_evaluate(l, te->x, te->n, &ev, &e), XB_OK);
  xb_learner_free(l);
  xb_read_free(r);
  return ev.rel_err;
}

START_TEST(test_behavioral_nonlinearity)
{
  xb_err e;
  xb_images *im = xb_mnist_load(NULL, &e);
  ck_assert_msg(im != NULL, "%s (make test fetches the digits: make data)",
                e.msg);
  xb_patch_params pp;
  xb_param_defaults(&xb_patch_param_set, &pp);
  pp.count = 20000;
  xb_patches *tr = xb_patches_create(im, 0, 8000, &pp, 1, &e);
  pp.count = 1000;
  xb_patches *te = xb_patches_create(im, 8000, 10000, &pp, 2, &e);
  ck_assert(tr && te);
  double *D0 = init_from(tr, 100);
  xb_device *dn = xb_device_load(XB_SOURCE_DIR "/models/pcmo_parca.ini", &e);
  ck_assert_msg(dn != NULL, "%s", e.msg);
  /* The same cell with a straight pulse response. */
  xb_device *dl = xb_device_straight(dn, &e);
  ck_assert_msg(dl != NULL, "%s", e.msg);
  xb_learner *l0 = xb_learner_create((int)tr->dim, NULL, D0, 1, &e);
  xb_learn_eval ev0;
  ck_assert_int_eq(xb_learner_evaluate(l0, te->x, te->n, &ev0, &e), XB_OK);
  double e_lin = beh_mnist(tr, te, D0, dl, 0);
  double e_nl = beh_mnist(tr, te, D0, dn, 0);
  double e_acc = beh_mnist(tr, te, D0, dn, 1);
  printf("behavioral, 20,000 MNIST patches: initial %.4f (float codes), "
         "straight response %.4f, PCMO %.4f, PCMO with the accumulate "
         "write %.4f\n", ev0.rel_err, e_lin, e_nl, e_acc);
  ck_assert_msg(e_lin < ev0.rel_err, "%g vs initial %g", e_lin, ev0.rel_err);
  ck_assert_msg(e_nl > 1.15 * e_lin, "PCMO %g vs straight %g", e_nl, e_lin);
  ck_assert_msg(e_acc < 0.8 * e_nl, "accumulate %g vs overlap %g", e_acc,
                e_nl);
  ck_assert_msg(e_acc < 1.1 * e_lin, "accumulate on PCMO %g vs straight %g",
                e_acc, e_lin);
  xb_learner_free(l0);
  xb_device_free(dl);
  xb_device_free(dn);
  free(D0);
  xb_patches_free(tr);
  xb_patches_free(te);
  xb_images_free(im);
}
END_TEST

START_TEST(test_bad_input)
{
  xb_err e;
  ck_assert_ptr_null(xb_learner_create(0, NULL, NULL, 1, &e));
  ck_assert_int_eq(e.code, XB_ESIZE);
  double D[4] = {0.5, 1.5, 0.2, 0.1};
  xb_learn_params p;
  xb_param_defaults(&xb_learn_param_set, &p);
  p.atoms = 2;
  ck_assert_ptr_null(xb_learner_create(2, &p, D, 1, &e));
  ck_assert_int_eq(e.code, XB_ERANGE);
  p.fidelity = 1;
  D[1] = 0.5;
  xb_learner *l = xb_learner_create(2, &p, D, 1, &e);
  double x[2] = {0.1, 0.2}, z[2];
  ck_assert_int_eq(xb_learner_encode(l, x, 1, z, &e), XB_ESTATE);
  xb_learn_writes w = xb_learner_writes(l);
  ck_assert(w.patches == 0 && w.periods == 0 && w.pulses == 0);
  xb_learner_free(l);
  /* The accumulate write needs an r pulse to overlap a full Z window:
   * here one clock of a 16-clock half period, and the pulse is elsewhere. */
  p.accum = 1;
  l = xb_learner_create(2, &p, D, 1, &e);
  xb_device *d = xb_device_create(xb_device_linear, NULL, NULL, NULL, NULL,
                                  &e);
  xb_read *r = xb_read_create(xb_read_diff, NULL, NULL);
  ck_assert(l && d && r);
  xb_write_params wp;
  xb_param_defaults(&xb_write_param_set, &wp);
  wp.zbits = 1;
  int arc = xb_learner_attach(l, d, r, &wp, NULL, &e);
  ck_assert_msg(arc == XB_EINVAL, "%d %s", arc, e.msg);
  ck_assert_msg(strstr(e.msg, "does not overlap a full Z window") != NULL,
                "%s", e.msg);
  xb_read_free(r);
  xb_device_free(d);
  xb_learner_free(l);
}
END_TEST

static Suite *learn_suite(void)
{
  Suite *s = suite_create("learn");
  /* The synthetic recovery learns 50 atoms with OpenBLAS and the
   * nonlinearity test 60,000 behavioral patches: seconds here, hours under
   * valgrind, which skips them (tag "slow"; tests/valgrind.sh); the
   * sanitizer build runs them. */
  TCase *slow = tcase_create("recovery");
  tcase_set_timeout(slow, 300);
  tcase_set_tags(slow, "slow");
  tcase_add_test(slow, test_synthetic_recovery);
  tcase_add_test(slow, test_behavioral_nonlinearity); /* 60,000 patches */
  suite_add_tcase(s, slow);
  TCase *tc = tcase_create("learn");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_ista_optimality);
  tcase_add_test(tc, test_behavioral_learns_and_is_deterministic);
  tcase_add_test(tc, test_accumulate_exact);
  tcase_add_test(tc, test_accumulate_exact_network);
  tcase_add_test(tc, test_bad_input);
  suite_add_tcase(s, tc);
  return s;
}

XB_CHECK_MAIN(learn_suite)
