/*
 * Monte Carlo studies (SPEC section 6; seed 000 section 2.4.5, Fig. 2.20):
 * parameters drawn from named distributions by plain or Latin hypercube
 * sampling, every sample from its own reproducible stream, results
 * streamed to a CSV file in sample order so that a run is resumable and
 * its file does not depend on how many threads or MPI ranks produced it.
 *
 * Study file (.ini):
 *
 *   [study]
 *   samples  = 1000        ; N
 *   seed     = 1
 *   sampling = lhs         ; lhs | plain
 *   output   = mc.csv      ; relative to the study file's folder
 *   model    = read        ; free text for the runner (see experiments/mc_run)
 *
 *   [param v_th]           ; one section per varying parameter
 *   dist  = normal         ; normal | lognormal | uniform | truncnormal
 *   mean  = 0.530          ; normal, truncnormal: mean; lognormal: median
 *   sigma = 0.003          ; normal, truncnormal: sigma; lognormal: sigma
 *                          ;   of the logarithm
 *   lo    = 0.5            ; uniform, truncnormal: bounds
 *   hi    = 0.56
 *
 * Other sections and keys of [study] are kept for the runner
 * (xb_mc_study_get).
 *
 * Sampling: parameter p of sample i takes u = (pi_p(i) + U_ip) / N under
 * LHS (pi_p a pseudo-random permutation of 0..N-1 keyed by the seed and p,
 * computed per sample without a table; U_ip uniform in (0, 1): each of the
 * N equal-probability strata of each marginal is hit exactly once) or
 * u = U_ip (plain), then x = F_p^-1(u). U_ip comes from
 * the Philox stream (seed, p) at position i, so a sample's values depend
 * on (seed, i) only.
 *
 * Output: the header "sample,<params...>,<outputs...>", then one line per
 * sample in sample order. Lines are appended with one write(2) each and
 * only once every earlier sample's line is out, so a killed run leaves a
 * prefix of the final file (a torn last line is dropped on resume) and
 * --resume continues after it.
 */
#ifndef XBAR_MC_H
#define XBAR_MC_H

#include <stddef.h>
#include <stdint.h>
#include <xbar/error.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { XB_DIST_NORMAL, XB_DIST_LOGNORMAL, XB_DIST_UNIFORM,
       XB_DIST_TRUNCNORMAL };

typedef struct xb_mc_param {
  char name[64];
  int dist;
  double mean, sigma, lo, hi;
} xb_mc_param;

typedef struct xb_mc_study xb_mc_study;

/* A study of n parameters (copied); samples >= 1. lhs: 1 Latin hypercube,
 * 0 plain. XB_ERANGE for a bad distribution (sigma < 0, lo >= hi where
 * bounds apply, a truncation interval with no probability). */
xb_mc_study *xb_mc_study_create(const xb_mc_param *params, size_t n,
                                size_t samples, uint64_t seed, int lhs,
                                xb_err *err);
/* From a study file (see above). */
xb_mc_study *xb_mc_study_load(const char *path, xb_err *err);
void xb_mc_study_free(xb_mc_study *s);

size_t xb_mc_study_samples(const xb_mc_study *s);
size_t xb_mc_study_nparams(const xb_mc_study *s);
const xb_mc_param *xb_mc_study_param(const xb_mc_study *s, size_t p);
/* Index of parameter `name`, or -1. */
int xb_mc_study_find(const xb_mc_study *s, const char *name);
/* [study] key of a loaded file (output resolved against the file's
 * folder), or NULL. */
const char *xb_mc_study_get(const xb_mc_study *s, const char *key);

/* The parameter values of sample i (0 <= i < samples) into x (nparams).
 * Thread-safe. */
void xb_mc_sample(const xb_mc_study *s, size_t i, double *x);

/* Inverse CDF of parameter p's distribution at u in (0, 1). */
double xb_mc_quantile(const xb_mc_param *p, double u);

/* ---- ordered, resumable CSV output ------------------------------------ */

typedef struct xb_mc_out xb_mc_out;

/* Open `path` for samples 0..total-1 with header line `header` (no
 * newline). resume = 0: a new file (an existing one is replaced). resume
 * = 1: an existing file with the same header continues after its last
 * complete line (*done receives the number of samples already there; a
 * torn line is cut); a missing file starts anew; XB_EDATA for another
 * header or lines out of order. */
xb_mc_out *xb_mc_out_open(const char *path, const char *header, size_t total,
                          int resume, size_t *done, xb_err *err);

/* Hand in sample i's line (no newline). Lines are written in sample order
 * as soon as every earlier one is in. Thread-safe. */
int xb_mc_out_put(xb_mc_out *o, size_t i, const char *line, xb_err *err);

/* Samples written so far (a contiguous prefix). */
size_t xb_mc_out_written(const xb_mc_out *o);

/* Flush, fsync and close; XB_EIO if anything handed in is not written
 * (a gap). NULL is a no-op. */
int xb_mc_out_close(xb_mc_out *o, xb_err *err);

/* ---- running a study ------------------------------------------------------ */

/* The model: outputs y (n_out) of sample i with parameters x. Must be
 * thread-safe for distinct i. */
typedef int (*xb_mc_model_fn)(void *ctx, size_t i, const double *x,
                              double *y, xb_err *err);

/* The CSV line of sample i: "i,x...,y..." with %.17g numbers. Returns the
 * length, or -1 if it does not fit `cap`. */
int xb_mc_line(const xb_mc_study *s, size_t i, const double *x,
               const double *y, size_t n_out, char *buf, size_t cap);

/* The header line: "sample,<param names>,<out names>". */
int xb_mc_header(const xb_mc_study *s, const char *const *out_names,
                 size_t n_out, char *buf, size_t cap);

/* Progress: samples done of total (including resumed ones). */
typedef int (*xb_mc_progress_fn)(void *user, size_t done, size_t total);

/* Run samples [first, samples) (first: from a resumed file) of study s on
 * `threads` OpenMP threads (0: the OpenMP default) into o. Stops at the
 * first model error (other threads finish their current sample). */
int xb_mc_run(const xb_mc_study *s, xb_mc_model_fn model, void *ctx,
              size_t n_out, xb_mc_out *o, size_t first, int threads,
              xb_mc_progress_fn progress, void *user, xb_err *err);

/* ---- summary statistics -------------------------------------------------- */

typedef struct xb_mc_summary {
  size_t n, n_nan; /* values summarised; NaN values (failed samples) */
  double mean, sigma, min, max;
  double q05, q25, q50, q75, q95;
} xb_mc_summary;

/* Of n values (NaN moved out, the rest sorted in place: v[0 .. out->n)). */
void xb_mc_summarize(double *v, size_t n, xb_mc_summary *out);

/* Column `name` of a result file into a new array (*v, *n). */
int xb_mc_read_column(const char *path, const char *name, double **v,
                      size_t *n, xb_err *err);

#ifdef __cplusplus
}
#endif
#endif /* XBAR_MC_H */
