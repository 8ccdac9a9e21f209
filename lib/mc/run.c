/*
 * Running a Monte Carlo study: the CSV header and sample lines (%.17g, so
 * a value reads back exactly) and the OpenMP runner, which draws each
 * sample, calls the model and hands the line to the ordered output. The
 * first model error stops the run; samples are scheduled one at a time
 * (dynamic, 1), since a model may cost microseconds or seconds.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>

#include "mc_impl.h"

int xb_mc_line(const xb_mc_study *s, size_t i, const double *x,
               const double *y, size_t n_out, char *buf, size_t cap)
{
  size_t at = 0;
  int w = snprintf(buf, cap, "%zu", i);
  if (w < 0 || (size_t)w >= cap)
    return -1;
  at = (size_t)w;
  for (size_t k = 0; k < s->np + n_out; k++) {
    double v = k < s->np ? x[k] : y[k - s->np];
    w = snprintf(buf + at, cap - at, ",%.17g", v);
    if (w < 0 || (size_t)w >= cap - at)
      return -1;
    at += (size_t)w;
  }
  return (int)at;
}

int xb_mc_header(const xb_mc_study *s, const char *const *out_names,
                 size_t n_out, char *buf, size_t cap)
{
  size_t at = 0;
  int w = snprintf(buf, cap, "sample");
  if (w < 0 || (size_t)w >= cap)
    return -1;
  at = (size_t)w;
  for (size_t k = 0; k < s->np + n_out; k++) {
    w = snprintf(buf + at, cap - at, ",%s",
                 k < s->np ? s->p[k].name : out_names[k - s->np]);
    if (w < 0 || (size_t)w >= cap - at)
      return -1;
    at += (size_t)w;
  }
  return (int)at;
}

int xb_mc_run(const xb_mc_study *s, xb_mc_model_fn model, void *ctx,
              size_t n_out, xb_mc_out *o, size_t first, int threads,
              xb_mc_progress_fn progress, void *user, xb_err *err)
{
  if (!s || !model || !o)
    return xb__err(err, XB_EINVAL, "NULL study, model or output");
  int rc = XB_OK, stop = 0;
  size_t cap = 32 + 26 * (s->np + n_out);
  long long n = (long long)s->n;
#pragma omp parallel num_threads(threads > 0 ? threads : omp_get_max_threads())
  {
    double *x = malloc((s->np + 1) * sizeof(double));
    double *y = malloc((n_out + 1) * sizeof(double));
    char *line = malloc(cap);
    xb_err e = {0};
    int mine = (!x || !y || !line) ? xb__err(&e, XB_ENOMEM, "sample buffers")
                                   : XB_OK;
#pragma omp for schedule(dynamic, 1)
    for (long long i = (long long)first; i < n; i++) {
      int halt;
#pragma omp atomic read
      halt = stop;
      if (halt || mine)
        continue;
      xb_mc_sample(s, (size_t)i, x);
      mine = model(ctx, (size_t)i, x, y, &e);
      if (!mine && xb_mc_line(s, (size_t)i, x, y, n_out, line, cap) < 0)
        mine = xb__err(&e, XB_ERANGE, "sample %lld: line too long", i);
      if (!mine)
        mine = xb_mc_out_put(o, (size_t)i, line, &e);
      if (!mine && progress) {
#pragma omp critical(xb_mc_progress)
        if (progress(user, xb_mc_out_written(o), s->n))
          stop = 1;
      }
      if (mine) {
#pragma omp critical(xb_mc_err)
        if (!rc) {
          rc = mine;
          if (err)
            *err = e;
        }
#pragma omp atomic write
        stop = 1;
      }
    }
    if (mine && !rc) {
#pragma omp critical(xb_mc_err)
      if (!rc) {
        rc = mine;
        if (err)
          *err = e;
      }
    }
    free(x);
    free(y);
    free(line);
  }
  return rc;
}
