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
 *          `sweep_errors`, how many of 32 currents evenly spread over
 *          0.25 .. 8 uA count differently from the nominal circuit, and
 *          `latched`, 1 if the reset gate cannot pull the node below v_tl
 *          at `current` (the circuit sticks after one spike); all nan for a
 *          sample whose parameters make no circuit (v_tl above v_th, ...),
 *          which the summary counts apart.
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
#include <unistd.h>

#include <xbar/xbar.h>

#ifdef XB_HAVE_MPI
#include <mpi.h>
#endif

#include "exp_util.h"
#include "mc_models.h"

#define PROG "mc_run"
#define SRC XB_SOURCE_DIR

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
  double t = xbx_now();
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
  int rc = 1, created = 0;
  const char *out = NULL;
  xb_err err = {0};
  xb_mc_study *s = NULL, *s2 = NULL;
  xb_mc_out *o = NULL;
  xbx_model m;
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
  if (xbx_model_setup(&m, s, study_path, &err))
    goto fail;
  out = out_over ? out_over : xb_mc_study_get(s, "output");
  if (!out) {
    err.code = XB_EMISSING;
    snprintf(err.msg, sizeof err.msg, "%s: %s: [study] output missing",
             study_path, xb_strerror(XB_EMISSING));
    goto fail;
  }
  const char *const *outs = xbx_model_outputs(&m);
  char header[4096];
  if (xb_mc_header(S, outs, xbx_model_nout(&m), header, sizeof header) < 0) {
    err.code = XB_ERANGE;
    snprintf(err.msg, sizeof err.msg, "%s: header too long",
             xb_strerror(XB_ERANGE));
    goto fail;
  }
  size_t first = 0, N = xb_mc_study_samples(S);
  unsigned long long first_ull = 0;
  if (!rank) {
    created = !resume || access(out, F_OK) != 0;
    o = xb_mc_out_open(out, header, N, resume, &first, &err);
    first_ull = o ? first : ~0ull;
  }
#ifdef XB_HAVE_MPI
  MPI_Bcast(&first_ull, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
#endif
  if (first_ull == ~0ull)
    goto fail;
  first = (size_t)first_ull;
  prog pr = {xbx_now(), 0, first, (size_t)stop_after, 0};
  if (!rank && first)
    fprintf(stderr, PROG ": resuming after %zu of %zu samples\n", first, N);
  xb_mc_model_fn fn = xbx_model_fn(&m);
  double t0 = xbx_now();
  int run_rc = XB_OK;
  if (nranks == 1) {
    run_rc = xb_mc_run(S, fn, &m, xbx_model_nout(&m), o, first, threads, progress,
                       &pr, &err);
  }
#ifdef XB_HAVE_MPI
  else {
    /* Rank r computes first + r, first + r + P, ...; rank 0 also writes,
     * draining the others' lines between its own samples. */
    size_t np = xb_mc_study_nparams(S), cap = 32 + 26 * (np + 8);
    double *x = malloc((np + 1) * sizeof *x), y[8];
    char *line = malloc(cap), *in = malloc(cap);
    size_t remote = 0, expect = 0;
    for (size_t i = first; i < N; i++)
      expect += (i - first) % (size_t)nranks != 0;
    for (size_t i = first + (size_t)rank; !run_rc && i < N;
         i += (size_t)nranks) {
      xb_mc_sample(S, i, x);
      run_rc = fn(&m, i, x, y, &err);
      if (!run_rc && xb_mc_line(S, i, x, y, xbx_model_nout(&m), line, cap) < 0)
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
  double secs = xbx_now() - t0;
  if (rank) {
    rc = run_rc ? 1 : 0;
    if (run_rc)
      fprintf(stderr, PROG " rank %d: %s\n", rank, err.msg);
    goto finish;
  }
  if (run_rc)
    goto fail;
  int close_rc = xb_mc_out_close(o, &err);
  o = NULL;
  if (close_rc)
    goto fail;
  /* Summary of each output, and the histogram of the first. */
  char path[1100];
  snprintf(path, sizeof path, "%s.summary.csv", out);
  xbx_file *f = xbx_file_open(path);
  if (!f)
    goto fail;
  fprintf(f->fp, "output,n,mean,sigma,min,q05,q25,median,q75,q95,max\n");
  printf("%s: %zu samples, %d rank(s), %.2f s\n", study_path, N, nranks, secs);
  xb_mc_summary sum[8];
  for (size_t k = 0; k < xbx_model_nout(&m); k++) {
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
  if (o) {
    /* A file this run began and left without a sample goes; one with
     * samples stays, as a prefix --resume continues (no summary or plot
     * is written for it). */
    int empty = created && xb_mc_out_written(o) == 0;
    xb_mc_out_close(o, NULL);
    if (empty && out)
      remove(out);
  }
  rc = 1;
finish:
  xb_mc_study_free(s);
  xb_mc_study_free(s2);
#ifdef XB_HAVE_MPI
  MPI_Finalize();
#endif
  return bad > 0 ? bad : rc;
}
