/*
 * bench_array: speed and accuracy of xbar's array DC solve against the
 * SuiteSparse KLU reference (the full 2NM nodal matrix, default ordering)
 * and against ngspice on the same netlist, all in one run.
 *
 * Two cases per size n: an n x n array, every row driven at a random
 * voltage in [0, 0.5] V through r_drive = 1 Ohm, every column sensed at
 * 0 V through r_sense = 1 Ohm; cells uniform in the PCMO preset range
 * [6.36, 43.5] nS with Rw = 0.634 Ohm per segment ("pcmo"), or uniform in
 * [10, 100] kOhm resistance with Rw = 1 Ohm, strong wire coupling ("high").
 * xbar_s: one solve on fresh conductances, factorisation included (best of
 * 3 to 20, at least 1 s in all); ref_s: the KLU solve (assembly, ordering,
 * factorisation, solve); ngspice_s: loading and running `.op`. err_*: the
 * largest relative column-current error of xbar against each. Above the
 * KLU limit, err_tight is against xbar's own solver at tol = 1e-13;
 * residual is the true relative residual of the full nodal system.
 *
 * Outputs: one JSON line per size and case and a summary line on stdout,
 * progress on stderr.
 */
#include <math.h>
#include <stdlib.h>

#include "exp_util.h"

static const xbx_prog prog = {
  "bench_array",
  "array DC solve: xbar against KLU and ngspice, speed and accuracy",
  "Per size n and case (pcmo: PCMO-range cells; high: 10 .. 100 kOhm, Rw "
  "1 Ohm), an n x n array at random row voltages solved by xbar, by KLU "
  "(above --klu-max: xbar at tol 1e-13) and by ngspice: times and "
  "largest relative column-current errors.",
  "stdout one JSON line per size and case, then a summary line",
  "bench_array --sizes 16,32 --ngspice-max 16 --klu-max 32"};

static double max_rel(const double *a, const double *b, size_t n)
{
  double e = 0;
  for (size_t k = 0; k < n; k++)
    e = fmax(e, fabs(a[k] - b[k]) / fabs(b[k]));
  return e;
}

typedef struct result {
  size_t n;
  const char *kase;
  double xbar_s, ref_s, ngspice_s, err_ref, err_ngspice, err_tight, residual;
  int iterations;
} result;

/* Time solves of `a` on its conductances g: each repetition reloads g so
 * the factorisation is redone. Returns the best time; currents in I. */
static int time_xbar(xb_array *a, const double *g, double *I, double *best,
                     int *iters, xb_err *err)
{
  double total = 0;
  *best = INFINITY;
  for (int rep = 0; rep < 20 && (rep < 3 || total < 1.0); rep++) {
    int rc = xb_array_set_g(a, g, err);
    double t0 = xbx_now();
    if (!rc)
      rc = xb_array_solve(a, err);
    double t = xbx_now() - t0;
    if (rc)
      return rc;
    total += t;
    *best = fmin(*best, t);
  }
  xb_solve_stats st;
  xb_array_stats(a, &st);
  *iters = st.iterations;
  return xb_array_line_i(a, XB_COL, I);
}

static int run_case(size_t n, int high, int klu_max, int ngs_max,
                    uint64_t seed, xb_spice **spice, result *res)
{
  xb_err err;
  xb_array_params p;
  xb_param_defaults(&xb_array_param_set, &p);
  p.rw_row = p.rw_col = high ? 1.0 : 0.634;
  p.r_drive = p.r_sense = 1.0;
  xb_array *a = xb_array_create(n, n, &p, &err);
  double *g = malloc((n * n + 2 * n) * sizeof(double));
  const char *what = "xbar";
  int rc = 1;
  if (!a || !g) {
    fprintf(stderr, "bench_array: %zu: %s\n", n, a ? "out of memory"
                                                    : err.msg);
    goto done;
  }
  double *I = g + n * n, *Iref = I + n;
  if (high) /* resistances uniform in [10, 100] kOhm */
    xbx_uniform_g(g, n * n, 1e4, 1e5, seed, 1);
  else /* the PCMO preset's [Gmin, Gmax] */
    xbx_uniform_g(g, n * n, 6.356471e-9, 4.347826e-8, seed, 1);
  for (size_t k = 0; high && k < n * n; k++)
    g[k] = 1.0 / g[k];
  for (size_t i = 0; i < n; i++)
    xb_array_drive(a, XB_ROW, i, 0.5 * xb_rng_uniform(seed, 2, i), NULL);
  *res = (result){n, high ? "high" : "pcmo", 0, NAN, NAN, NAN, NAN,
                  NAN, NAN, 0};
  if (time_xbar(a, g, I, &res->xbar_s, &res->iterations, &err) ||
      xb_array_residual(a, &res->residual, &err))
    goto done;
  int klu = (int)n <= klu_max;
  xb_array_params q = p;
  if (klu)
    q.solver = 1; /* KLU */
  else {          /* xbar's own solver run far tighter */
    q.tol = 1e-13;
    q.maxit = 100000;
  }
  xb_array_set_solver(a, &q, NULL);
  double t0 = xbx_now();
  what = klu ? "KLU" : "tight";
  if (xb_array_solve(a, &err))
    goto done;
  if (klu)
    res->ref_s = xbx_now() - t0;
  xb_array_line_i(a, XB_COL, Iref);
  *(klu ? &res->err_ref : &res->err_tight) =
      max_rel(I, Iref, n);
  if ((int)n <= ngs_max) {
    what = "ngspice";
    if (!*spice && !(*spice = xb_spice_create(&err)))
      goto done;
    xb_array_set_solver(a, &p, NULL);
    t0 = xbx_now();
    if (xb_spice_array_currents(*spice, a, NULL, Iref, &err))
      goto done;
    res->ngspice_s = xbx_now() - t0;
    res->err_ngspice = max_rel(I, Iref, n);
  }
  rc = 0;
done:
  if (rc && a && g)
    fprintf(stderr, "bench_array: %s %zu %s: %s\n", what, n,
            high ? "high" : "pcmo", err.msg);
  free(g);
  xb_array_free(a);
  return rc;
}

int main(int argc, char **argv)
{
  xbx_ints sizes = {8, {32, 64, 128, 256, 512, 1024, 2048, 4096}};
  int klu_max = 512, ngs_max = 64, cases = 0;
  unsigned long long seed = 1;
  XBX_PARSE(prog,
    XBX_INTS("sizes", &sizes, "", 1, 16384, "array sizes n (n x n)"),
    XBX_INT("klu-max", &klu_max, "", 0, 1 << 20,
            "largest n solved by KLU (above: xbar at tol 1e-13)"),
    XBX_INT("ngspice-max", &ngs_max, "", 0, 1 << 20,
            "largest n solved by ngspice"),
    XBX_CHOICE("cases", &cases, "pcmo,high|pcmo|high|high,pcmo",
               "the cases to run"),
    XBX_U64("seed", &seed, "seed of the conductances and drive voltages"));
  int do_case[2] = {cases != 2, cases != 1}; /* pcmo, high */
  xb_spice *spice = NULL;
  double ratio_ng64 = NAN, ratio_ref256_high = NAN, err_ref_max = 0;
  double t1024[2] = {NAN, NAN}, t2048[2] = {NAN, NAN};
  int failed = 0;
  for (int s = 0; s < sizes.n; s++)
    for (int high = 0; high < 2; high++) {
      if (!do_case[high])
        continue;
      result r;
      size_t n = (size_t)sizes.v[s];
      fprintf(stderr, "bench_array: n = %zu %s ...\n", n,
              high ? "high" : "pcmo");
      if (run_case(n, high, klu_max, ngs_max, seed, &spice, &r)) {
        failed = 1;
        continue;
      }
      xbx_json_print(1, "n=%zu case=%s xbar_s=%.6g ref_s=%.6g "
                     "ngspice_s=%.6g err_ref=%.6g err_ngspice=%.6g "
                     "ratio_ref=%.6g ratio_ngspice=%.6g err_tight=%.6g "
                     "residual=%.6g iterations=%d",
                     r.n, r.kase, r.xbar_s, r.ref_s, r.ngspice_s, r.err_ref,
                     r.err_ngspice, r.ref_s / r.xbar_s,
                     r.ngspice_s / r.xbar_s, r.err_tight, r.residual,
                     r.iterations);
      fflush(stdout);
      if (isfinite(r.err_ref))
        err_ref_max = fmax(err_ref_max, r.err_ref);
      if (r.n == 64 && !high)
        ratio_ng64 = r.ngspice_s / r.xbar_s;
      if (r.n == 256 && high)
        ratio_ref256_high = r.ref_s / r.xbar_s;
      if (r.n == 1024)
        t1024[high] = r.xbar_s;
      if (r.n == 2048)
        t2048[high] = r.xbar_s;
    }
  xb_spice_free(spice);
  xbx_json_print(1, "summary=%s ratio_ngspice_64=%.6g "
                 "ratio_ref_256_high=%.6g err_ref_max=%.6g "
                 "xbar_s_1024_pcmo=%.6g xbar_s_1024_high=%.6g "
                 "xbar_s_2048_pcmo=%.6g xbar_s_2048_high=%.6g",
                 prog.name, ratio_ng64, ratio_ref256_high, err_ref_max,
                 t1024[0], t1024[1], t2048[0], t2048[1]);
  return failed;
}
