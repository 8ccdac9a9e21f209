/*
 * The Monte Carlo models of the experiment programs (mc_run, mc_fig220,
 * bench_mc; experiments/mc_run.c says what each computes) and the steps
 * the programs share: a study file loaded, optionally at another sample
 * count, its model set up, its CSV header; a run into a CSV; a progress
 * line on stderr.
 */
#ifndef XBX_MC_MODELS_H
#define XBX_MC_MODELS_H

#include <xbar/xbar.h>

#define XBX_SWEEP 32

typedef struct xbx_model {
  int kind; /* 0 read, 1 array */
  xb_mc_model_fn fn;
  size_t nout;
  const char *const *outs; /* the output names */
  /* read */
  xb_read_params base;
  const xb_read_type *type;
  const xb_param_row *row[64]; /* per study parameter, or NULL */
  double current;
  int nominal[XBX_SWEEP];
  /* array */
  int size, i_d2d, i_rw, i_g;
  double g, d2d, rw, v_read;
  uint64_t seed;
} xbx_model;

/* A study ready to run. */
typedef struct xbx_mc {
  xb_mc_study *file, *resampled;
  const xb_mc_study *s; /* the one to run: resampled, or else file */
  xbx_model m;
  char header[4096];
} xbx_mc;

/* Load study `path`, with `samples` > 0 its parameters at that many
 * samples (its seed and sampling), and set up its model ([study] model =
 * read | array; a relative `preset` is relative to path). XB_OK, or a code
 * with err; free with xbx_mc_free either way. */
int xbx_mc_load(xbx_mc *mc, const char *path, size_t samples, xb_err *err);
void xbx_mc_free(xbx_mc *mc);
/* Run the whole study into a new `csv` on `threads` (0: OpenMP's
 * default). XB_OK or a code with err. */
int xbx_mc_to_csv(xbx_mc *mc, const char *csv, int threads,
                  xb_mc_progress_fn progress, void *user, xb_err *err);

/* A progress line "<name> done / total samples, rate, ETA" on stderr at
 * most twice a second (an xb_mc_progress_fn, user = xbx_progress); with
 * stop_after, the process kills itself (SIGKILL) once that many samples
 * are written: the test of mc_run --resume. */
typedef struct xbx_progress {
  const char *name;
  double t0, last;
  size_t first, stop_after;
} xbx_progress;
int xbx_progress_fn(void *user, size_t done, size_t total);

#endif
