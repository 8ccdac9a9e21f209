/*
 * mc_run: run a Monte Carlo study file (xbar/mc.h) on OpenMP threads, and
 * across machines on MPI ranks (mpirun -np P mc_run ...).
 *
 * Models ([study] model = ...):
 *   read   one integrate-and-fire read circuit per sample (xbar/read.h):
 *          the circuit `circuit` (se_adaptive | diff) with the preset
 *          `preset` (a models/ file, relative to the study file; optional),
 *          every [param NAME] that names a read parameter (v_th, v_tl,
 *          offset, t_delay, c_int, r_reset, ...) set to the sample's value;
 *          outputs: `spikes`, the count at the input current `current` (A),
 *          and `sweep_errors`, how many of 32 currents evenly spread over
 *          0.25 .. 8 uA count differently from the nominal circuit; both
 *          nan for a sample whose parameters make no circuit (v_tl above
 *          v_th, ...), which the summary counts apart.
 *   array  one size x size array read per sample (xbar/array.h): cells
 *          drawn around G = `g` (S, default 1e-5) with a lognormal
 *          device-to-device spread of parameter `d2d` (sigma of ln G;
 *          default 0), wires of parameter `rw` (Ohm per segment; default
 *          0.634), every row at `v_read` (default 0.2 V), unselected none;
 *          outputs: `err_rms` and `err_max`, the relative errors of the
 *          column currents against the ideal G.V of the nominal cells (the
 *          read error a user of the array would see).
 *
 * Output: the study's output CSV (resumable; --resume continues a killed
 * run), <output>.summary.csv (mean, sigma, quantiles of every output) and
 * <output>.png (histogram of the first output), a progress line with ETA
 * on stderr and a final JSON line. With MPI, rank 0 writes: every rank
 * computes samples i = first + rank, + P, ... and sends their lines to
 * rank 0; the file is the same for any rank or thread count.
 *
 * usage: mc_run STUDY.ini [--threads N] [--resume] [--output CSV]
 *                         [--samples N] [--stop-after K] [--no-plot]
 *   --stop-after K  kill the process (SIGKILL) once K samples are written:
 *                   the test of --resume.
 */
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xbar/xbar.h>

#ifdef XB_HAVE_MPI
#include <mpi.h>
#endif

#include "exp_util.h"

#define PROG "mc_run"
#define SRC XB_SOURCE_DIR

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* An error of this program's own (the library fills err itself). */
static int seterr(xb_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int seterr(xb_err *err, int code, const char *fmt, ...)
{
  if (err) {
    memset(err, 0, sizeof *err);
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
  }
  return code;
}

/* ---- models ------------------------------------------------------------------ */

#define SWEEP 32

typedef struct model {
  int kind; /* 0 read, 1 array */
  /* read */
  xb_read_params base;
  const xb_read_type *type;
  const xb_param_row *row[64]; /* per study parameter, or NULL */
  double current;
  int nominal[SWEEP];
  /* array */
  int size, i_d2d, i_rw, i_g;
  double g, d2d, rw, v_read;
  uint64_t seed;
} model;

static double sweep_i(int k) { return 0.25e-6 + (8e-6 - 0.25e-6) * k / (SWEEP - 1); }

static int model_read(void *ctx, size_t i, const double *x, double *y,
                      xb_err *err)
{
  (void)i;
  const model *m = ctx;
  xb_read_params p = m->base;
  for (int k = 0; k < 64; k++)
    if (m->row[k])
      *(double *)((char *)&p + m->row[k]->offset) = x[k];
  xb_err e;
  xb_read *r = xb_read_create(m->type, &p, &e);
  if (!r && e.code == XB_ERANGE) { /* e.g. v_tl above v_th: no circuit */
    y[0] = y[1] = NAN;
    return XB_OK;
  }
  if (!r) {
    if (err)
      *err = e;
    return e.code;
  }
  int n, rc = xb_read_count(r, m->current, &n, err), errs = 0;
  for (int k = 0; !rc && k < SWEEP; k++) {
    int c;
    rc = xb_read_count(r, sweep_i(k), &c, err);
    errs += !rc && c != m->nominal[k];
  }
  xb_read_free(r);
  y[0] = n;
  y[1] = errs;
  return rc;
}

static int model_array(void *ctx, size_t i, const double *x, double *y,
                       xb_err *err)
{
  const model *m = ctx;
  double d2d = m->i_d2d >= 0 ? x[m->i_d2d] : m->d2d;
  double rw = m->i_rw >= 0 ? x[m->i_rw] : m->rw;
  double g0 = m->i_g >= 0 ? x[m->i_g] : m->g;
  size_t n = (size_t)m->size;
  xb_array_params ap;
  xb_param_defaults(&xb_array_param_set, &ap);
  ap.rw_row = ap.rw_col = rw;
  int rc = xb_param_check(&xb_array_param_set, &ap, err);
  if (rc)
    return rc;
  xb_array *a = xb_array_create(n, n, &ap, err);
  double *g = malloc(n * n * sizeof *g), *v = malloc(n * sizeof *v);
  double *I = malloc(n * sizeof *I);
  if (!a || !g || !v || !I) {
    rc = a ? seterr(err, XB_ENOMEM, "array sample") : (err ? err->code : -1);
    goto done;
  }
  for (size_t k = 0; k < n * n; k++) /* this sample's own stream */
    g[k] = g0 * exp(d2d * xb_rng_normal(m->seed, 0xa77a00000000ull | i, k));
  for (size_t k = 0; k < n; k++)
    v[k] = m->v_read;
  if (!(rc = xb_array_set_g(a, g, err)))
    rc = xb_array_read(a, XB_ROW, v, NULL, XB_LINE_FLOAT, 0, 0, I, err);
  if (!rc) {
    double ideal = n * g0 * m->v_read, se = 0, mx = 0;
    for (size_t j = 0; j < n; j++) {
      double e = (I[j] - ideal) / ideal;
      se += e * e;
      mx = fmax(mx, fabs(e));
    }
    y[0] = sqrt(se / (double)n);
    y[1] = mx;
  }
done:
  xb_array_free(a);
  free(g);
  free(v);
  free(I);
  return rc;
}

static const char *const read_outs[] = {"spikes", "sweep_errors"};
static const char *const array_outs[] = {"err_rms", "err_max"};

/* The model of study s; the study file's folder resolves `preset`. */
static int model_setup(model *m, const xb_mc_study *s, const char *study_path,
                       xb_err *err)
{
  memset(m, 0, sizeof *m);
  const char *kind = xb_mc_study_get(s, "model");
  if (kind && !strcmp(kind, "array")) {
    m->kind = 1;
    const char *v;
    m->size = (v = xb_mc_study_get(s, "size")) ? atoi(v) : 64;
    m->g = (v = xb_mc_study_get(s, "g")) ? atof(v) : 1e-5;
    m->d2d = (v = xb_mc_study_get(s, "d2d")) ? atof(v) : 0.0;
    m->rw = (v = xb_mc_study_get(s, "rw")) ? atof(v) : 0.634;
    m->v_read = (v = xb_mc_study_get(s, "v_read")) ? atof(v) : 0.2;
    m->seed = (v = xb_mc_study_get(s, "seed")) ? strtoull(v, NULL, 10) : 1;
    m->i_d2d = xb_mc_study_find(s, "d2d");
    m->i_rw = xb_mc_study_find(s, "rw");
    m->i_g = xb_mc_study_find(s, "g");
    if (m->size < 1 || m->size > 4096 || !(m->g > 0) || !(m->v_read > 0))
      return seterr(err, XB_ERANGE, "array model: size 1..4096, g > 0 and "
                                     "v_read > 0");
    for (size_t k = 0; k < xb_mc_study_nparams(s); k++) {
      const char *nm = xb_mc_study_param(s, k)->name;
      if (strcmp(nm, "d2d") && strcmp(nm, "rw") && strcmp(nm, "g"))
        return seterr(err, XB_EKEY, "array model: parameter %s is none of "
                                     "d2d, rw, g",
                       nm);
    }
    return XB_OK;
  }
  if (kind && strcmp(kind, "read"))
    return seterr(err, XB_ETYPE, "unknown model %s (read or array)", kind);
  const char *circ = xb_mc_study_get(s, "circuit");
  m->type = xb_read_type_find(circ ? circ : "diff");
  if (!m->type)
    return seterr(err, XB_ETYPE, "unknown read circuit %s", circ);
  m->type->defaults(&m->base);
  const char *preset = xb_mc_study_get(s, "preset");
  if (preset) {
    char path[1024];
    const char *slash = strrchr(study_path, '/');
    if (preset[0] == '/' || !slash)
      snprintf(path, sizeof path, "%s", preset);
    else
      snprintf(path, sizeof path, "%.*s/%s", (int)(slash - study_path),
               study_path, preset);
    xb_read *r = xb_read_load(path, err);
    if (!r)
      return err ? err->code : XB_EIO;
    m->base = *xb_read_params_of(r);
    m->type = xb_read_type_of(r);
    xb_read_free(r);
  }
  const char *cur = xb_mc_study_get(s, "current");
  m->current = cur ? atof(cur) : 1e-6;
  if (xb_mc_study_nparams(s) > 64)
    return seterr(err, XB_ERANGE, "read model: at most 64 parameters");
  for (size_t k = 0; k < xb_mc_study_nparams(s); k++) {
    const char *nm = xb_mc_study_param(s, k)->name;
    m->row[k] = xb_param_find(&xb_read_param_set, nm);
    if (!m->row[k] || m->row[k]->kind != XB_PARAM_DOUBLE)
      return seterr(err, XB_EKEY, "read model: %s is not a read parameter",
                     nm);
  }
  xb_read *r = xb_read_create(m->type, &m->base, err);
  if (!r)
    return err ? err->code : XB_EINVAL;
  int rc = XB_OK;
  for (int k = 0; !rc && k < SWEEP; k++)
    rc = xb_read_count(r, sweep_i(k), &m->nominal[k], err);
  xb_read_free(r);
  return rc;
}

/* ---- progress ------------------------------------------------------------------ */

typedef struct prog {
  double t0, last;
  size_t first, stop_after;
  int quiet;
} prog;

static int progress(void *user, size_t done, size_t total)
{
  prog *p = user;
  if (p->stop_after && done >= p->stop_after) {
    fprintf(stderr, "\n" PROG ": --stop-after %zu: killing myself\n",
            p->stop_after);
    raise(SIGKILL);
  }
  double t = now();
  if (p->quiet || (t - p->last < 0.5 && done < total))
    return 0;
  p->last = t;
  double rate = (double)(done - p->first) / fmax(t - p->t0, 1e-9);
  fprintf(stderr, "\r  " PROG " %10zu / %zu samples  %9.0f /s  ETA %6.0f s ",
          done, total, rate, rate > 0 ? (double)(total - done) / rate : 0.0);
  if (done == total)
    fprintf(stderr, "\n");
  return 0;
}

/* ---- main ------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
  int rank = 0, nranks = 1;
#ifdef XB_HAVE_MPI
  int provided;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &nranks);
#endif
  const char *study_path = NULL, *out_over = NULL;
  int threads = 0, resume = 0, plot = 1, samples_over = 0;
  unsigned long long stop_after = 0;
  int bad = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      if (!rank)
        printf("usage: " PROG " STUDY.ini [--threads N] [--resume] "
               "[--output CSV] [--samples N] [--stop-after K] [--no-plot]\n");
      bad = -1;
      break;
    } else if (!strcmp(a, "--resume")) {
      resume = 1;
    } else if (!strcmp(a, "--no-plot")) {
      plot = 0;
    } else if (!strcmp(a, "--threads") && v &&
               xbx_parse_int(v, 1, 1024, &threads)) {
      i++;
    } else if (!strcmp(a, "--samples") && v &&
               xbx_parse_int(v, 1, 2000000000, &samples_over)) {
      i++;
    } else if (!strcmp(a, "--stop-after") && v &&
               xbx_parse_u64(v, &stop_after)) {
      i++;
    } else if (!strcmp(a, "--output") && v) {
      out_over = v;
      i++;
    } else if (a[0] != '-' && !study_path) {
      study_path = a;
    } else {
      if (!rank)
        fprintf(stderr, PROG ": bad or unknown argument: %s\n", a);
      bad = 2;
      break;
    }
  }
  if (!bad && !study_path) {
    if (!rank)
      fprintf(stderr, PROG ": no study file (see --help)\n");
    bad = 2;
  }
  int rc = 1;
  xb_err err = {0};
  xb_mc_study *s = NULL, *s2 = NULL;
  xb_mc_out *o = NULL;
  model m;
  if (bad)
    goto finish;
  s = xb_mc_study_load(study_path, &err);
  if (!s)
    goto fail;
  if (samples_over) { /* the same parameters, another N */
    size_t np = xb_mc_study_nparams(s);
    xb_mc_param *pp = malloc((np ? np : 1) * sizeof *pp);
    for (size_t k = 0; pp && k < np; k++)
      pp[k] = *xb_mc_study_param(s, k);
    const char *sv = xb_mc_study_get(s, "seed"), *sm = xb_mc_study_get(s, "sampling");
    s2 = pp ? xb_mc_study_create(pp, np, (size_t)samples_over,
                                 sv ? strtoull(sv, NULL, 10) : 0,
                                 !sm || !strcmp(sm, "lhs"), &err)
            : NULL;
    free(pp);
    if (!s2)
      goto fail;
  }
  const xb_mc_study *S = s2 ? s2 : s;
  if (model_setup(&m, s, study_path, &err))
    goto fail;
  const char *out = out_over ? out_over : xb_mc_study_get(s, "output");
  if (!out) {
    err.code = XB_EMISSING;
    snprintf(err.msg, sizeof err.msg, "%s: [study] output missing",
             study_path);
    goto fail;
  }
  const char *const *outs = m.kind ? array_outs : read_outs;
  char header[4096];
  if (xb_mc_header(S, outs, 2, header, sizeof header) < 0) {
    err.code = XB_ERANGE;
    snprintf(err.msg, sizeof err.msg, "header too long");
    goto fail;
  }
  size_t first = 0, N = xb_mc_study_samples(S);
  unsigned long long first_ull = 0;
  if (!rank) {
    o = xb_mc_out_open(out, header, N, resume, &first, &err);
    first_ull = o ? first : ~0ull;
  }
#ifdef XB_HAVE_MPI
  MPI_Bcast(&first_ull, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
#endif
  if (first_ull == ~0ull)
    goto fail;
  first = (size_t)first_ull;
  prog pr = {now(), 0, first, (size_t)stop_after, 0};
  if (!rank && first)
    fprintf(stderr, PROG ": resuming after %zu of %zu samples\n", first, N);
  xb_mc_model_fn fn = m.kind ? model_array : model_read;
  double t0 = now();
  int run_rc = XB_OK;
  if (nranks == 1) {
    run_rc = xb_mc_run(S, fn, &m, 2, o, first, threads, progress, &pr, &err);
  }
#ifdef XB_HAVE_MPI
  else {
    /* Rank r computes first + r, first + r + P, ...; rank 0 also writes,
     * draining the others' lines between its own samples. */
    size_t np = xb_mc_study_nparams(S), cap = 32 + 26 * (np + 2);
    double *x = malloc((np + 1) * sizeof *x), y[2];
    char *line = malloc(cap), *in = malloc(cap);
    size_t remote = 0, expect = 0;
    for (size_t i = first; i < N; i++)
      expect += (i - first) % (size_t)nranks != 0;
    for (size_t i = first + (size_t)rank; !run_rc && i < N;
         i += (size_t)nranks) {
      xb_mc_sample(S, i, x);
      run_rc = fn(&m, i, x, y, &err);
      if (!run_rc && xb_mc_line(S, i, x, y, 2, line, cap) < 0)
        run_rc = XB_ERANGE;
      if (run_rc)
        break;
      if (rank) {
        MPI_Send(line, (int)strlen(line) + 1, MPI_CHAR, 0, 1, MPI_COMM_WORLD);
        continue;
      }
      run_rc = xb_mc_out_put(o, i, line, &err);
      int flag = 1;
      while (!run_rc && flag && remote < expect) {
        MPI_Status st;
        MPI_Iprobe(MPI_ANY_SOURCE, 1, MPI_COMM_WORLD, &flag, &st);
        if (flag) {
          MPI_Recv(in, (int)cap, MPI_CHAR, st.MPI_SOURCE, 1, MPI_COMM_WORLD,
                   MPI_STATUS_IGNORE);
          remote++;
          run_rc = xb_mc_out_put(o, strtoull(in, NULL, 10), in, &err);
        }
      }
      if (!run_rc)
        progress(&pr, xb_mc_out_written(o), N);
    }
    while (!rank && !run_rc && remote < expect) {
      MPI_Recv(in, (int)cap, MPI_CHAR, MPI_ANY_SOURCE, 1, MPI_COMM_WORLD,
               MPI_STATUS_IGNORE);
      remote++;
      run_rc = xb_mc_out_put(o, strtoull(in, NULL, 10), in, &err);
      if (!run_rc)
        progress(&pr, xb_mc_out_written(o), N);
    }
    free(x);
    free(line);
    free(in);
    int any = run_rc != 0, all;
    MPI_Allreduce(&any, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (all && !run_rc) {
      run_rc = XB_EEXTERNAL;
      snprintf(err.msg, sizeof err.msg, "another rank failed");
    }
  }
#endif
  double secs = now() - t0;
  if (rank) {
    rc = run_rc ? 1 : 0;
    if (run_rc)
      fprintf(stderr, PROG " rank %d: %s\n", rank, err.msg);
    goto finish;
  }
  int close_rc = xb_mc_out_close(o, run_rc ? NULL : &err);
  o = NULL;
  if (run_rc || close_rc)
    goto fail;
  /* Summary of each output, and the histogram of the first. */
  char path[1100];
  snprintf(path, sizeof path, "%s.summary.csv", out);
  xbx_file *f = xbx_file_open(path);
  if (!f)
    goto fail;
  fprintf(f->fp, "output,n,mean,sigma,min,q05,q25,median,q75,q95,max\n");
  printf("%s: %zu samples, %d rank(s), %.2f s\n", study_path, N, nranks, secs);
  xb_mc_summary sum[2];
  for (int k = 0; k < 2; k++) {
    double *v;
    size_t n;
    if (xb_mc_read_column(out, outs[k], &v, &n, &err)) {
      xbx_file_abort(f);
      goto fail;
    }
    xb_mc_summarize(v, n, &sum[k]);
    free(v);
    fprintf(f->fp, "%s,%zu,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,"
                   "%.10g\n",
            outs[k], sum[k].n, sum[k].mean, sum[k].sigma, sum[k].min,
            sum[k].q05, sum[k].q25, sum[k].q50, sum[k].q75, sum[k].q95,
            sum[k].max);
    printf("  %-13s mean %-12.6g sigma %-12.6g [q05 %.6g, median %.6g, q95 "
           "%.6g]\n",
           outs[k], sum[k].mean, sum[k].sigma, sum[k].q05, sum[k].q50,
           sum[k].q95);
  }
  if (xbx_file_commit(f))
    goto fail;
  if (plot) {
    char vars[2600], png[1100];
    snprintf(png, sizeof png, "%s.png", out);
    snprintf(vars, sizeof vars, "csv='%s'; col='%s'; title_txt='%s'; "
             "integer=%d",
             out, outs[0], study_path, m.kind == 0);
    if (xbx_gnuplot(SRC "/plots/mc_hist.gp", vars, png))
      goto fail;
  }
  printf("{\"mc\": \"%s\", \"samples\": %zu, \"ranks\": %d, \"seconds\": "
         "%.4g, \"%s_mean\": %.6g, \"%s_sigma\": %.6g}\n",
         study_path, N, nranks, secs, outs[0], sum[0].mean, outs[0],
         sum[0].sigma);
  rc = 0;
  goto finish;
fail:
  if (!rank)
    fprintf(stderr, "\n" PROG ": %s\n", err.msg[0] ? err.msg : "failed");
  xb_mc_out_close(o, NULL);
  rc = 1;
finish:
  xb_mc_study_free(s);
  xb_mc_study_free(s2);
#ifdef XB_HAVE_MPI
  MPI_Finalize();
#endif
  return bad > 0 ? bad : rc;
}
