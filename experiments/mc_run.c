/*
 * mc_run: run a Monte Carlo study file (xbar/mc.h) on OpenMP threads, and
 * across machines on MPI ranks (mpirun -np P mc_run ...). The models
 * (read circuit, array read) are those of experiments/mc_models.c.
 *
 * Outputs: the study's output CSV (resumable: --resume continues a killed
 * run), <output>.summary.csv (mean, sigma, quantiles of every output),
 * <output>.png (histogram of the first output), a progress line on stderr
 * and a JSON line. With MPI, rank 0 writes: every rank computes samples
 * i = first + rank, + P, ... and sends their lines to rank 0; the file is
 * the same for any rank or thread count.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xbar/xbar.h>

#ifdef XB_HAVE_MPI
#include <mpi.h>
#endif

#include "exp_util.h"
#include "mc_models.h"

static const xbx_prog prog = {
  "mc_run",
  "run a Monte Carlo study file on OpenMP threads and MPI ranks",
  "Draws the samples of STUDY.ini (xbar/mc.h: [study] and one [param NAME] "
  "per varied parameter, Latin hypercube or plain sampling) and evaluates "
  "its model on each: model = read (one behavioral read circuit, spike "
  "count at `current` and against the nominal circuit over 0.25..8 uA) or "
  "model = array (one array read, relative column-current errors). Lines "
  "are written in sample order, so the file is the same on any number of "
  "threads or MPI ranks (mpirun -np P mc_run ...); --resume continues a "
  "killed run.",
  "OUTPUT one line per sample: its parameters and outputs (the study's "
  "output, or --output)\n"
  "OUTPUT.summary.csv mean, sigma and quantiles of every output\n"
  "OUTPUT.png histogram of the first output (plots/mc_hist.gp)",
  "mc_run models/mc_array_read.ini --samples 1000 --threads 2"};

#ifdef XB_HAVE_MPI
/* Rank r computes first + r, first + r + P, ...; rank 0 also writes,
 * draining the others' lines between its own samples. */
static int run_mpi(xbx_mc *mc, xb_mc_out *o, size_t first, int rank,
                   int nranks, xbx_progress *pr, xb_err *err)
{
  const xb_mc_study *S = mc->s;
  size_t N = xb_mc_study_samples(S), np = xb_mc_study_nparams(S);
  size_t cap = 32 + 26 * (np + 8), remote = 0, expect = 0;
  double *x = malloc((np + 1) * sizeof *x), y[8];
  char *line = malloc(cap), *in = malloc(cap);
  int rc = x && line && in ? XB_OK : XB_ENOMEM;
  for (size_t i = first; i < N; i++)
    expect += (i - first) % (size_t)nranks != 0;
  for (size_t i = first + (size_t)rank; !rc && i < N; i += (size_t)nranks) {
    xb_mc_sample(S, i, x);
    rc = mc->m.fn(&mc->m, i, x, y, err);
    if (!rc && xb_mc_line(S, i, x, y, mc->m.nout, line, cap) < 0)
      rc = XB_ERANGE;
    if (rc)
      break;
    if (rank) {
      MPI_Send(line, (int)strlen(line) + 1, MPI_CHAR, 0, 1, MPI_COMM_WORLD);
      continue;
    }
    rc = xb_mc_out_put(o, i, line, err);
    int flag = 1;
    while (!rc && flag && remote < expect) {
      MPI_Status st;
      MPI_Iprobe(MPI_ANY_SOURCE, 1, MPI_COMM_WORLD, &flag, &st);
      if (flag) {
        MPI_Recv(in, (int)cap, MPI_CHAR, st.MPI_SOURCE, 1, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        remote++;
        rc = xb_mc_out_put(o, strtoull(in, NULL, 10), in, err);
      }
    }
    if (!rc)
      xbx_progress_fn(pr, xb_mc_out_written(o), N);
  }
  while (!rank && !rc && remote < expect) {
    MPI_Recv(in, (int)cap, MPI_CHAR, MPI_ANY_SOURCE, 1, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    remote++;
    rc = xb_mc_out_put(o, strtoull(in, NULL, 10), in, err);
    if (!rc)
      xbx_progress_fn(pr, xb_mc_out_written(o), N);
  }
  free(x);
  free(line);
  free(in);
  int any = rc != 0, all;
  MPI_Allreduce(&any, &all, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (all && !rc) {
    rc = XB_EEXTERNAL;
    snprintf(err->msg, sizeof err->msg, "another rank failed");
  }
  return rc;
}
#endif

/* The summary CSV and the histogram of a finished study; the JSON line. */
static int summarize(const xbx_mc *mc, const char *study, const char *out,
                     int nranks, double secs, int plot, xb_err *err)
{
  const char *const *outs = mc->m.outs;
  char path[1100];
  snprintf(path, sizeof path, "%s.summary.csv", out);
  xbx_file *f = xbx_file_open(path);
  if (!f)
    return -1;
  fprintf(f->fp, "output,n,mean,sigma,min,q05,q25,median,q75,q95,max\n");
  size_t N = xb_mc_study_samples(mc->s);
  printf("%s: %zu samples, %d rank(s), %.2f s\n", study, N, nranks, secs);
  xb_mc_summary sum[8];
  for (size_t k = 0; k < mc->m.nout; k++) {
    double *v;
    size_t n;
    if (xb_mc_read_column(out, outs[k], &v, &n, err)) {
      xbx_file_abort(f);
      return -1;
    }
    xb_mc_summarize(v, n, &sum[k]);
    free(v);
    const xb_mc_summary *s = &sum[k];
    fprintf(f->fp, "%s,%zu,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,"
                   "%.10g\n",
            outs[k], s->n, s->mean, s->sigma, s->min, s->q05, s->q25, s->q50,
            s->q75, s->q95, s->max);
    printf("  %-13s mean %-12.6g sigma %-12.6g [q05 %.6g, median %.6g, q95 "
           "%.6g]\n",
           outs[k], s->mean, s->sigma, s->q05, s->q50, s->q95);
  }
  if (xbx_file_commit(f))
    return -1;
  if (plot) {
    char vars[2600], png[1100];
    snprintf(png, sizeof png, "%s.png", out);
    snprintf(vars, sizeof vars,
             "csv='%s'; col='%s'; title_txt='%s'; integer=%d", out, outs[0],
             study, mc->m.kind == 0);
    if (xbx_gnuplot(XB_SOURCE_DIR "/plots/mc_hist.gp", vars, png))
      return -1;
  }
  return xbx_json_print(1, "mc=%s samples=%zu ranks=%d seconds=%.4g "
                        "%s_mean=%.6g %s_sigma=%.6g",
                        study, N, nranks, secs, outs[0], sum[0].mean, outs[0],
                        sum[0].sigma);
}

int main(int argc, char **argv)
{
  int rank = 0, nranks = 1;
#ifdef XB_HAVE_MPI
  int provided;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &nranks);
#endif
  const char *study = NULL, *out = NULL;
  int threads = 0, resume = 0, noplot = 0, samples = 0;
  unsigned long long stop_after = 0;
  xbx_opt opts[] = {
      XBX_ARG("STUDY.ini", &study, "the study file"),
      XBX_INT("threads", &threads, "", 1, 1024,
              "OpenMP threads (not set: OpenMP's default)"),
      XBX_FLAG("resume", &resume,
               "continue the samples of an existing output file"),
      XBX_STR("output", &out, "CSV",
              "the result file (not set: the study's output)"),
      XBX_INT("samples", &samples, "", 1, 2000000000,
              "the study's parameters at this many samples (not set: the "
              "study's)"),
      XBX_U64("stop-after", &stop_after,
              "kill the process (SIGKILL) once this many samples are "
              "written, the test of --resume (0: never)"),
      XBX_FLAG("no-plot", &noplot, "no histogram"),
      XBX_END};
  int rc = xbx_parse(&prog, opts, argc, argv), created = 0;
  xb_err err = {0};
  xbx_mc mc = {0};
  xb_mc_out *o = NULL;
  if (rc != XBX_RUN)
    goto finish;
  rc = 1;
  if (xbx_mc_load(&mc, study, (size_t)samples, &err))
    goto fail;
  if (!out && !(out = xb_mc_study_get(mc.file, "output"))) {
    err.code = XB_EMISSING;
    snprintf(err.msg, sizeof err.msg, "%s: %s: [study] output missing",
             study, xb_strerror(XB_EMISSING));
    goto fail;
  }
  size_t first = 0, N = xb_mc_study_samples(mc.s);
  unsigned long long first_ull = 0;
  if (!rank) {
    created = !resume || access(out, F_OK) != 0;
    o = xb_mc_out_open(out, mc.header, N, resume, &first, &err);
    first_ull = o ? first : ~0ull;
  }
#ifdef XB_HAVE_MPI
  MPI_Bcast(&first_ull, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
#endif
  if (first_ull == ~0ull)
    goto fail;
  first = (size_t)first_ull;
  xbx_progress pr = {prog.name, xbx_now(), 0, first, (size_t)stop_after};
  if (!rank && first)
    fprintf(stderr, "%s: resuming after %zu of %zu samples\n", prog.name,
            first, N);
  double t0 = xbx_now();
  int run_rc = XB_OK;
  if (nranks == 1)
    run_rc = xb_mc_run(mc.s, mc.m.fn, &mc.m, mc.m.nout, o, first, threads,
                       xbx_progress_fn, &pr, &err);
#ifdef XB_HAVE_MPI
  else
    run_rc = run_mpi(&mc, o, first, rank, nranks, &pr, &err);
#endif
  double secs = xbx_now() - t0;
  if (rank) {
    rc = run_rc ? 1 : 0;
    if (run_rc)
      fprintf(stderr, "%s rank %d: %s\n", prog.name, rank, err.msg);
    goto finish;
  }
  if (run_rc)
    goto fail;
  int close_rc = xb_mc_out_close(o, &err);
  o = NULL;
  if (close_rc || summarize(&mc, study, out, nranks, secs, !noplot, &err))
    goto fail;
  rc = 0;
  goto finish;
fail:
  if (!rank)
    fprintf(stderr, "\n%s: %s\n", prog.name, err.msg[0] ? err.msg : "failed");
  if (o) {
    /* A file this run began and left without a sample goes; one with
     * samples stays, as a prefix --resume continues (no summary or plot
     * is written for it). */
    int empty = created && xb_mc_out_written(o) == 0;
    xb_mc_out_close(o, NULL);
    if (empty)
      remove(out);
  }
  rc = 1;
finish:
  xbx_mc_free(&mc);
#ifdef XB_HAVE_MPI
  MPI_Finalize();
#endif
  return rc;
}
