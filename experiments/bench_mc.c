/*
 * bench_mc: thread scaling of the Monte Carlo engine on the Fig. 2.20
 * study (models/mc_fig220_diff.ini and _se.ini: the behavioral read
 * circuits with ngspice-calibrated threshold spreads, Latin hypercube).
 * Each study runs with 1 and then 2 OpenMP threads into temporary files
 * (--samples each, default 100000: a few seconds), which must come out
 * byte-identical; speedup_2t = time(1 thread) / time(2 threads) over both
 * studies. One JSON line.
 *
 * usage: bench_mc [--samples N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xbar/xbar.h>

#include "exp_util.h"
#include "mc_models.h"

#define PROG "bench_mc"
#define SRC XB_SOURCE_DIR

static char *slurp(const char *path, size_t *n)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)len + 1);
  *n = b ? fread(b, 1, (size_t)len, f) : 0;
  fclose(f);
  return b;
}

/* Seconds to run study `path` at N samples on `threads` into `csv`. */
static double timed(const char *path, size_t N, int threads, const char *csv)
{
  xb_err err;
  xb_mc_study *s = xb_mc_study_load(path, &err), *S = NULL;
  xbx_model m;
  if (s) {
    xb_mc_param pp[64];
    size_t np = xb_mc_study_nparams(s);
    for (size_t k = 0; k < np && k < 64; k++)
      pp[k] = *xb_mc_study_param(s, k);
    S = xb_mc_study_create(pp, np, N, 1, 1, &err);
  }
  char header[2048];
  xb_mc_out *o = NULL;
  double t = -1;
  if (S && !xbx_model_setup(&m, s, path, &err) &&
      xb_mc_header(S, xbx_model_outputs(&m), xbx_model_nout(&m), header, sizeof header) > 0 &&
      (o = xb_mc_out_open(csv, header, N, 0, NULL, &err))) {
    double t0 = xbx_now();
    int rc = xb_mc_run(S, xbx_model_fn(&m), &m, xbx_model_nout(&m), o, 0, threads, NULL, NULL,
                       &err);
    rc |= xb_mc_out_close(o, &err);
    t = rc ? -1 : xbx_now() - t0;
  }
  if (t < 0)
    fprintf(stderr, PROG ": %s: %s\n", path, err.msg);
  xb_mc_study_free(s);
  xb_mc_study_free(S);
  return t;
}

int main(int argc, char **argv)
{
  int samples = 100000;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--samples") && i + 1 < argc &&
        xbx_parse_int(argv[i + 1], 1, 100000000, &samples)) {
      i++;
    } else {
      fprintf(stderr, "usage: " PROG " [--samples N]\n");
      return 2;
    }
  }
  const char *studies[2] = {SRC "/models/mc_fig220_se.ini",
                            SRC "/models/mc_fig220_diff.ini"};
  char dir[] = "/tmp/xbar_bench_mc_XXXXXX";
  if (!mkdtemp(dir)) {
    perror(PROG ": mkdtemp");
    return 1;
  }
  double t1 = 0, t2 = 0;
  int identical = 1, rc = 0;
  for (int k = 0; k < 2 && !rc; k++) {
    char a[256], b[256];
    snprintf(a, sizeof a, "%s/t1_%d.csv", dir, k);
    snprintf(b, sizeof b, "%s/t2_%d.csv", dir, k);
    double x = timed(studies[k], (size_t)samples, 1, a);
    double y = x < 0 ? -1 : timed(studies[k], (size_t)samples, 2, b);
    if (x < 0 || y < 0) {
      rc = 1;
    } else {
      t1 += x;
      t2 += y;
      size_t na, nb;
      char *fa = slurp(a, &na), *fb = slurp(b, &nb);
      identical &= fa && fb && na == nb && !memcmp(fa, fb, na);
      free(fa);
      free(fb);
    }
    unlink(a);
    unlink(b);
  }
  rmdir(dir);
  if (rc)
    return 1;
  printf("{\"bench\": \"mc\", \"study\": \"fig220 se + diff\", \"samples\": "
         "%d, \"t1_s\": %.4g, \"t2_s\": %.4g, \"speedup_2t\": %.3f, "
         "\"identical\": %s}\n",
         2 * samples, t1, t2, t1 / t2, identical ? "true" : "false");
  return identical ? 0 : 1;
}
