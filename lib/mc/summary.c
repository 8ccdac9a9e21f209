/*
 * Monte Carlo summaries: mean, sample standard deviation, extremes and
 * quantiles (linear interpolation between order statistics, q (n - 1))
 * of a result column, failed (NaN) samples counted apart, and the reader
 * of one column of a result file.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "mc_impl.h"

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double quantile_sorted(const double *v, size_t n, double q)
{
  double h = q * (double)(n - 1);
  size_t lo = (size_t)floor(h);
  if (lo + 1 >= n)
    return v[n - 1];
  return v[lo] + (h - (double)lo) * (v[lo + 1] - v[lo]);
}

void xb_mc_summarize(double *v, size_t n, xb_mc_summary *out)
{
  memset(out, 0, sizeof *out);
  size_t keep = 0; /* NaN (a failed sample) is counted, not summarised */
  for (size_t k = 0; k < n; k++)
    if (!isnan(v[k]))
      v[keep++] = v[k];
  out->n_nan = n - keep;
  n = keep;
  out->n = n;
  if (!n) {
    out->mean = out->sigma = out->min = out->max = NAN;
    out->q05 = out->q25 = out->q50 = out->q75 = out->q95 = NAN;
    return;
  }
  qsort(v, n, sizeof *v, cmp_double);
  double m = 0;
  for (size_t k = 0; k < n; k++)
    m += v[k];
  m /= (double)n;
  double ss = 0;
  for (size_t k = 0; k < n; k++)
    ss += (v[k] - m) * (v[k] - m);
  out->mean = m;
  out->sigma = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
  out->min = v[0];
  out->max = v[n - 1];
  out->q05 = quantile_sorted(v, n, 0.05);
  out->q25 = quantile_sorted(v, n, 0.25);
  out->q50 = quantile_sorted(v, n, 0.5);
  out->q75 = quantile_sorted(v, n, 0.75);
  out->q95 = quantile_sorted(v, n, 0.95);
}

int xb_mc_read_column(const char *path, const char *name, double **v,
                      size_t *n, xb_err *err)
{
  FILE *f = fopen(path, "r");
  if (!f)
    return xb__err_set(err, XB_EIO, path, 0, NULL, NAN, NAN, "cannot open");
  char *line = NULL;
  size_t lcap = 0, cap = 0, cnt = 0;
  double *out = NULL;
  int col = -1, rc = XB_OK, lineno = 0;
  ssize_t len;
  while ((len = getline(&line, &lcap, f)) > 0) {
    lineno++;
    if (line[len - 1] == '\n')
      line[--len] = 0;
    if (col < 0) {
      int k = 0;
      for (char *tok = strtok(line, ","); tok; tok = strtok(NULL, ","), k++)
        if (!strcmp(tok, name))
          col = k;
      if (col < 0) {
        rc = xb__err_set(err, XB_EKEY, path, 1, name, NAN, NAN,
                         "no column %s", name);
        break;
      }
      continue;
    }
    char *p = line;
    for (int k = 0; k < col && p; k++) {
      p = strchr(p, ',');
      if (p)
        p++;
    }
    char *end;
    double d = p ? strtod(p, &end) : NAN;
    if (!p || end == p || (*end && *end != ',')) {
      rc = xb__err_set(err, XB_ESYNTAX, path, lineno, name, NAN, NAN,
                       "column %s: not a number", name);
      break;
    }
    if (cnt == cap) {
      cap = cap ? 2 * cap : 1024;
      double *nv = realloc(out, cap * sizeof *nv);
      if (!nv) {
        rc = xb__err(err, XB_ENOMEM, "reading %s", path);
        break;
      }
      out = nv;
    }
    out[cnt++] = d;
  }
  if (!rc && col < 0)
    rc = xb__err_set(err, XB_EDATA, path, 0, NULL, NAN, NAN, "empty file");
  free(line);
  fclose(f);
  if (rc) {
    free(out);
    return rc;
  }
  *v = out;
  *n = cnt;
  return XB_OK;
}
