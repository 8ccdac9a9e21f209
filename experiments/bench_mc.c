/*
 * bench_mc: thread scaling of the Monte Carlo engine (xbar/mc.h) on the
 * Fig. 2.20 studies (models/mc_fig220_se.ini and _diff.ini: the behavioral
 * read circuits with ngspice-calibrated threshold spreads, Latin
 * hypercube). Each study runs at --samples with 1 and then 2 OpenMP
 * threads into temporary files, which must come out byte-identical;
 * speedup_2t = time(1 thread) / time(2 threads) over both studies.
 * Output: one JSON line; exit 1 if the files differ.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <xbar/xbar.h>

#include "exp_util.h"
#include "mc_models.h"

static const xbx_prog prog = {
  "bench_mc",
  "thread scaling of the Monte Carlo engine on the Fig. 2.20 studies",
  "Runs the single-ended and the differential Fig. 2.20 study on 1 and on "
  "2 OpenMP threads, checks that both give the same file byte for byte "
  "and reports the times and the speedup.",
  "(none) one JSON line on stdout",
  "bench_mc --samples 10000"};

/* Seconds to run study `path` at N samples on `threads` into `csv`, or -1. */
static double timed(const char *path, int N, int threads, const char *csv)
{
  xb_err err;
  xbx_mc mc;
  double t0 = xbx_now(), t = -1;
  if (!xbx_mc_load(&mc, path, (size_t)N, &err) &&
      !xbx_mc_to_csv(&mc, csv, threads, NULL, NULL, &err))
    t = xbx_now() - t0;
  else
    fprintf(stderr, "%s: %s: %s\n", prog.name, path, err.msg);
  xbx_mc_free(&mc);
  return t;
}

/* 1 if files a and b hold the same bytes. */
static int same_file(const char *a, const char *b)
{
  FILE *f = fopen(a, "rb"), *g = fopen(b, "rb");
  int c = 0, d = 1;
  if (f && g)
    do {
      c = getc(f);
      d = getc(g);
    } while (c == d && c != EOF);
  if (f)
    fclose(f);
  if (g)
    fclose(g);
  return c == d;
}

int main(int argc, char **argv)
{
  int samples = 100000;
  XBX_PARSE(prog,
    XBX_INT("samples", &samples, "", 1, 100000000, "samples per study"));
  const char *studies[2] = {XB_SOURCE_DIR "/models/mc_fig220_se.ini",
                            XB_SOURCE_DIR "/models/mc_fig220_diff.ini"};
  char dir[] = "/tmp/xbar_bench_mc_XXXXXX";
  if (!mkdtemp(dir)) {
    perror("bench_mc: mkdtemp");
    return 1;
  }
  double t1 = 0, t2 = 0;
  int identical = 1, rc = 0;
  for (int k = 0; k < 2 && !rc; k++) {
    char a[256], b[256];
    snprintf(a, sizeof a, "%s/t1_%d.csv", dir, k);
    snprintf(b, sizeof b, "%s/t2_%d.csv", dir, k);
    double x = timed(studies[k], samples, 1, a);
    double y = x < 0 ? -1 : timed(studies[k], samples, 2, b);
    rc = x < 0 || y < 0;
    t1 += x;
    t2 += y;
    identical &= same_file(a, b);
    unlink(a);
    unlink(b);
  }
  rmdir(dir);
  if (rc)
    return 1;
  /* "%.5s": the word true or false as it is, not as a JSON string */
  xbx_json_print(1, "bench=%s study=%s samples=%d t1_s=%.4g t2_s=%.4g "
                 "speedup_2t=%.3f identical=%.5s",
                 "mc", "fig220 se + diff", 2 * samples, t1, t2, t1 / t2,
                 identical ? "true" : "false");
  return identical ? 0 : 1;
}
