/*
 * A network's weights as .npy files (see xbar/nn.h, xbar/npy.h): tensor
 * "W1" as "<dir>/<prefix>W1.npy" ('<f8', rows x cols), its mask, when it
 * has one, as "<dir>/<prefix>W1_mask.npy" (0 and 1). Loading reads and
 * checks every file before it changes anything, so a failed load leaves
 * the network as it was.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <xbar/npy.h>

#include "../core/core_impl.h"
#include "nn_impl.h"

#define PATH_CAP 1024

static int tensor_path(char *buf, const char *dir, const char *prefix,
                       const char *name, const char *suffix, xb_err *err)
{
  int n = snprintf(buf, PATH_CAP, "%s/%s%s%s.npy", dir, prefix ? prefix : "",
                   name, suffix);
  if (n < 0 || n >= PATH_CAP)
    return xb__err(err, XB_ESIZE, "path of %s in %s beyond %d bytes", name,
                   dir, PATH_CAP);
  return XB_OK;
}

/* n floats (or mask bytes when m is set) as a 2-D '<f8' file. */
static int save_one(const char *path, size_t rows, size_t cols,
                    const float *w, const unsigned char *m, xb_err *err)
{
  const size_t n = rows * cols, dims[2] = {rows, cols};
  double *d = malloc(n * sizeof *d);
  if (!d)
    return xb__err(err, XB_ENOMEM, "%s: %zu values", path, n);
  for (size_t i = 0; i < n; i++)
    d[i] = m ? (double)m[i] : (double)w[i];
  int rc = xb_npy_write(path, 2, dims, d, err);
  free(d);
  return rc;
}

int xb_nn_save(const xb_nn *nn, const char *dir, const char *prefix,
               xb_err *err)
{
  if (!nn || !dir)
    return xb__err(err, XB_EINVAL, "xb_nn_save: NULL argument");
  char path[PATH_CAP];
  for (size_t k = 0; k < nn->ntensors; k++) {
    const xb__tensor *t = &nn->t[k];
    int rc = tensor_path(path, dir, prefix, t->name, "", err);
    if (rc == XB_OK)
      rc = save_one(path, t->rows, t->cols, t->w, NULL, err);
    if (rc == XB_OK && t->mask &&
        (rc = tensor_path(path, dir, prefix, t->name, "_mask", err)) == XB_OK)
      rc = save_one(path, t->rows, t->cols, NULL, t->mask, err);
    if (rc != XB_OK)
      return rc;
  }
  return XB_OK;
}

/* What a load read for one tensor, before it is committed. */
typedef struct staged {
  double *w, *m; /* m NULL: no mask file */
} staged;

/* Read and check tensor t's file and optional mask file into s. */
static int stage(const xb__tensor *t, const char *dir, const char *prefix,
                 staged *s, xb_err *err)
{
  char path[PATH_CAP];
  size_t dims[2] = {t->rows, t->cols};
  int rc = tensor_path(path, dir, prefix, t->name, "", err);
  if (rc == XB_OK)
    rc = xb_npy_read(path, 2, dims, &s->w, err);
  if (rc == XB_OK)
    rc = tensor_path(path, dir, prefix, t->name, "_mask", err);
  if (rc != XB_OK || !t->mvm || access(path, F_OK) != 0)
    return rc;
  if ((rc = xb_npy_read(path, 2, dims, &s->m, err)) != XB_OK)
    return rc;
  for (size_t i = 0; i < t->n; i++) {
    if (s->m[i] != 0.0 && s->m[i] != 1.0)
      return xb__err_set(err, XB_EDATA, path, 0, NULL, NAN, NAN,
                         "mask element %zu is %g, not 0 or 1", i, s->m[i]);
    if (s->m[i] == 0.0 && s->w[i] != 0.0)
      return xb__err_set(err, XB_EDATA, path, 0, NULL, NAN, NAN,
                         "weight %zu of %s is %g outside the mask", i,
                         t->name, s->w[i]);
  }
  return XB_OK;
}

int xb_nn_load(xb_nn *nn, const char *dir, const char *prefix, xb_err *err)
{
  if (!nn || !dir)
    return xb__err(err, XB_EINVAL, "xb_nn_load: NULL argument");
  staged s[XB__NN_MAX_TENSORS] = {{0}};
  unsigned char *masks[XB__NN_MAX_TENSORS] = {0};
  int rc = XB_OK;
  for (size_t k = 0; k < nn->ntensors && rc == XB_OK; k++) {
    rc = stage(&nn->t[k], dir, prefix, &s[k], err);
    if (rc == XB_OK && s[k].m && !(masks[k] = malloc(nn->t[k].n)))
      rc = xb__err(err, XB_ENOMEM, "mask of %s", nn->t[k].name);
  }
  for (size_t k = 0; k < nn->ntensors && rc == XB_OK; k++) {
    xb__tensor *t = &nn->t[k];
    for (size_t i = 0; i < t->n; i++) {
      t->w[i] = (float)s[k].w[i];
      t->m[i] = t->v[i] = 0.0f;
      if (masks[k])
        masks[k][i] = s[k].m[i] != 0.0;
    }
    free(t->mask);
    t->mask = masks[k];
    masks[k] = NULL;
    t->dirty = 1;
  }
  if (rc == XB_OK)
    nn->adam_t = 0;
  for (size_t k = 0; k < nn->ntensors; k++) {
    free(s[k].w);
    free(s[k].m);
    free(masks[k]);
  }
  return rc;
}
