/*
 * The lower layer of the experiment scaffold (exp_util.h): files that
 * appear only when complete, running a gnuplot
 * script to a PNG, the monotonic clock; and the setup steps several
 * programs share (write timing presets, random conductances, a random
 * subset of lines). Option tables are in exp_opt.c, a run's outputs and
 * its JSON line in exp_out.c.
 */
#include "exp_util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

xbx_file *xbx_file_open(const char *path)
{
  xbx_file *f = calloc(1, sizeof *f);
  if (!f || strlen(path) >= sizeof f->path) {
    fprintf(stderr, "cannot write %s: %s\n", path,
            f ? "path too long" : "out of memory");
    free(f);
    return NULL;
  }
  snprintf(f->path, sizeof f->path, "%s", path);
  snprintf(f->tmp, sizeof f->tmp, "%s.tmp", path);
  f->fp = fopen(f->tmp, "w");
  if (!f->fp) {
    fprintf(stderr, "cannot write %s: %s\n", f->tmp, strerror(errno));
    free(f);
    return NULL;
  }
  return f;
}

int xbx_file_commit(xbx_file *f)
{
  int bad = ferror(f->fp);
  bad |= fclose(f->fp) != 0;
  if (!bad && rename(f->tmp, f->path) == 0) {
    free(f);
    return 0;
  }
  fprintf(stderr, "cannot write %s: %s\n", f->path, strerror(errno));
  remove(f->tmp);
  free(f);
  return -1;
}

void xbx_file_abort(xbx_file *f)
{
  if (!f)
    return;
  fclose(f->fp);
  remove(f->tmp);
  free(f);
}

int xbx_make_dir(const char *out, const char *name)
{
  if (mkdir(out, 0777) && errno != EEXIST) {
    fprintf(stderr, "%s: cannot create %s: %s\n", name, out, strerror(errno));
    return -1;
  }
  return 0;
}

int xbx_gnuplot(const char *script, const char *vars, const char *png)
{
  char tmp[1100], expr[4096];
  if (strchr(png, '\'') || strlen(png) > 1000) {
    fprintf(stderr, "gnuplot: unusable output path %s\n", png);
    return -1;
  }
  snprintf(tmp, sizeof tmp, "%s.tmp", png);
  int n = snprintf(expr, sizeof expr, "%s; png='%s'", vars, tmp);
  if (n < 0 || (size_t)n >= sizeof expr) {
    fprintf(stderr, "gnuplot: variables too long\n");
    return -1;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "gnuplot: fork: %s\n", strerror(errno));
    return -1;
  }
  if (pid == 0) {
    execlp("gnuplot", "gnuplot", "-e", expr, script, (char *)NULL);
    fprintf(stderr, "gnuplot: cannot run: %s (make deps installs it)\n",
            strerror(errno));
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) {
      fprintf(stderr, "gnuplot: wait: %s\n", strerror(errno));
      return -1;
    }
  struct stat st;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
      stat(tmp, &st) != 0 || st.st_size == 0) {
    fprintf(stderr, "gnuplot: %s failed or wrote an empty PNG\n", script);
    remove(tmp);
    return -1;
  }
  if (rename(tmp, png) != 0) {
    fprintf(stderr, "gnuplot: cannot rename to %s: %s\n", png,
            strerror(errno));
    remove(tmp);
    return -1;
  }
  return 0;
}

double xbx_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int xbx_write_timing(const char *path, xb_write_params *p, xb_err *err)
{
  xb_write_params t;
  xb_param_defaults(&xb_write_param_set, &t);
  int rc = xb_param_read(&xb_write_param_set, &t, path, NULL, err);
  if (!rc)
    rc = xb_param_check(&xb_write_param_set, &t, err);
  if (!rc)
    *p = t;
  return rc;
}

const char *xbx_basename(const char *path)
{
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

void xbx_uniform_g(double *g, size_t n, double gmin, double gmax,
                   uint64_t seed, uint64_t stream)
{
  for (size_t k = 0; k < n; k++)
    g[k] = gmin + (gmax - gmin) * xb_rng_uniform(seed, stream, k);
}

size_t xbx_pick_lines(unsigned char *sel, size_t n, double f, uint64_t seed,
                      uint64_t stream)
{
  size_t *perm = malloc(n * sizeof *perm);
  if (!perm)
    return 0;
  size_t k = (size_t)floor(f * (double)n + 0.5);
  if (k < 1)
    k = 1;
  xb_rng r;
  xb_rng_init(&r, seed, stream);
  for (size_t q = 0; q < n; q++) {
    perm[q] = q;
    sel[q] = 0;
  }
  for (size_t q = 0; q < k; q++) {
    size_t p = q + (size_t)(xb_rng_next_uniform(&r) * (double)(n - q));
    if (p >= n)
      p = n - 1;
    size_t t = perm[q];
    perm[q] = perm[p];
    perm[p] = t;
    sel[perm[q]] = 1;
  }
  free(perm);
  return k;
}

int xbx_data_load(xbx_data *d, const char *prog, int synthetic, int ntrain,
                  int ntest, uint64_t seed, xb_err *err)
{
  memset(d, 0, sizeof *d);
  if (!synthetic)
    d->im = xb_mnist_load(NULL, err);
  if (d->im) {
    xb_patch_params pp;
    xb_param_defaults(&xb_patch_param_set, &pp);
    pp.count = ntrain;
    d->own[0] = xb_patches_create(d->im, 0, 8000, &pp, seed, err);
    pp.count = ntest;
    if (d->own[0] && ntest > 0)
      d->own[1] = xb_patches_create(d->im, 8000, 10000, &pp, seed + 1, err);
    if (!d->own[0] || (ntest > 0 && !d->own[1]))
      return err->code;
    d->mnist = 1;
    d->train = d->own[0];
    d->test = d->own[1];
    return XB_OK;
  }
  if (!synthetic)
    fprintf(stderr, "%s: %s\n%s: using the synthetic ground-truth task "
                    "instead\n", prog, err->msg, prog);
  xb_synth_params sp;
  xb_param_defaults(&xb_synth_param_set, &sp);
  sp.n = ntrain + ntest;
  d->syn = xb_synth_create(&sp, seed, err);
  if (!d->syn)
    return err->code;
  /* Views into the synthetic set: first the training patches, then the
   * held-out ones. */
  const xb_patches *all = d->syn->patches;
  d->view[0] = d->view[1] = *all;
  d->view[0].n = (size_t)ntrain;
  d->view[1].n = (size_t)ntest;
  d->view[1].x = all->x + (size_t)ntrain * all->dim;
  d->train = &d->view[0];
  d->test = ntest > 0 ? &d->view[1] : NULL;
  return XB_OK;
}

void xbx_data_free(xbx_data *d)
{
  xb_patches_free(d->own[0]);
  xb_patches_free(d->own[1]);
  xb_synth_free(d->syn);
  xb_images_free(d->im);
  memset(d, 0, sizeof *d);
}

double *xbx_dict_init(const xb_patches *tr, int atoms, uint64_t seed)
{
  size_t m = (size_t)atoms;
  double *D = malloc(tr->dim * m * sizeof *D);
  for (size_t a = 0; D && a < m; a++) {
    size_t p = (size_t)(xb_rng_uniform(seed, 0xd0ull, a) * tr->n);
    for (size_t k = 0; k < tr->dim; k++)
      D[k * m + a] = tr->x[p * tr->dim + k];
  }
  return D;
}

/* ---- a D.z read of random conductances (sneak_read, read_array) ------- */

int xbx_preset_bounds(const char *prog, const char *path, double *gmin,
                      double *gmax, xb_elec_params *elec)
{
  xb_err err;
  xb_device *dev = xb_device_load(path, &err);
  if (!dev) {
    fprintf(stderr, "%s: %s\n", prog, err.msg);
    return -1;
  }
  xb_device_bounds(dev, gmin, gmax);
  if (elec)
    *elec = *xb_device_elec(dev);
  xb_device_free(dev);
  return 0;
}

int xbx_dz_create(xbx_dz *d, const char *prog, size_t n, size_t m,
                  double active, uint64_t seed, const xb_array_params *p)
{
  xb_err err;
  *d = (xbx_dz){n, m, 0, malloc(n * m * sizeof *d->g),
                malloc(n * sizeof *d->vin), calloc(n, 1), NULL};
  if (!d->g || !d->vin || !d->act ||
      !(d->nact = xbx_pick_lines(d->act, n, active, seed, 2))) {
    fprintf(stderr, "%s: out of memory\n", prog);
    return -1;
  }
  if (!(d->a = xb_array_create(n, m, p, &err))) {
    fprintf(stderr, "%s: %s\n", prog, err.msg);
    return -1;
  }
  return 0;
}

int xbx_dz_set(xbx_dz *d, const char *prog, double gmin, double gmax,
               double vread, uint64_t seed)
{
  xb_err err;
  xbx_uniform_g(d->g, d->n * d->m, gmin, gmax, seed, 1);
  for (size_t i = 0; i < d->n; i++)
    d->vin[i] = vread;
  if (xb_array_set_g(d->a, d->g, &err)) {
    fprintf(stderr, "%s: %s\n", prog, err.msg);
    return -1;
  }
  return 0;
}

int xbx_dz_read(xbx_dz *d, int unselected, double vbias, double vsense,
                double *out, xb_err *err)
{
  return xb_array_read(d->a, XB_ROW, d->vin, d->act, unselected, vbias,
                       vsense, out, err);
}

void xbx_dz_free(xbx_dz *d)
{
  xb_array_free(d->a);
  free(d->g);
  free(d->vin);
  free(d->act);
  memset(d, 0, sizeof *d);
}
