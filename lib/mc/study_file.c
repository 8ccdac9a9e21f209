/*
 * Study files: the .ini reader of xb_mc_study_load (format in xbar/mc.h).
 * [param NAME] sections become the study's parameters, each checked for
 * the values its distribution needs; [study] keys are kept for the runner,
 * with `output` resolved against the file's folder.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/param.h>

#include "mc_impl.h"

typedef struct load_ctx {
  xb_mc_param p[256];
  unsigned char set[256][5]; /* dist, mean, sigma, lo, hi given */
  size_t np;
  char keys[XB__MC_MAX_KEYS][2][256];
  size_t nkeys;
} load_ctx;

static int parse_num(const char *v, double *out)
{
  char *end;
  errno = 0;
  double d = strtod(v, &end);
  while (*end == ' ' || *end == '\t')
    end++;
  if (end == v || *end || errno == ERANGE)
    return -1;
  *out = d;
  return 0;
}

static int study_key(void *user, const char *section, const char *key,
                     const char *value, const char *file, int line,
                     xb_err *err)
{
  load_ctx *c = user;
  if (!strcmp(section, "study")) {
    if (c->nkeys == XB__MC_MAX_KEYS || strlen(key) >= 256 ||
        strlen(value) >= 256)
      return xb__err_set(err, XB_ERANGE, file, line, key, NAN, NAN,
                         "[study] too many or too long keys");
    for (size_t k = 0; k < c->nkeys; k++)
      if (!strcmp(c->keys[k][0], key))
        return xb__err_set(err, XB_EKEY, file, line, key, NAN, NAN,
                           "[study] %s given twice", key);
    strcpy(c->keys[c->nkeys][0], key);
    strcpy(c->keys[c->nkeys][1], value);
    c->nkeys++;
    return XB_OK;
  }
  if (strncmp(section, "param ", 6))
    return xb__err_set(err, XB_EKEY, file, line, key, NAN, NAN,
                       "unknown section [%s] (expected [study] or "
                       "[param NAME])",
                       section);
  const char *name = section + 6;
  while (*name == ' ')
    name++;
  if (!*name || strlen(name) >= sizeof c->p[0].name)
    return xb__err_set(err, XB_ERANGE, file, line, NULL, NAN, NAN,
                       "[%s]: parameter name empty or too long", section);
  size_t k = 0;
  while (k < c->np && strcmp(c->p[k].name, name))
    k++;
  if (k == c->np) {
    if (c->np == 256)
      return xb__err_set(err, XB_ERANGE, file, line, NULL, NAN, NAN,
                         "more than 256 parameters");
    memset(&c->p[k], 0, sizeof c->p[k]);
    strcpy(c->p[k].name, name);
    c->p[k].dist = -1;
    c->np++;
  }
  xb_mc_param *p = &c->p[k];
  static const char *const names[] = {"normal", "lognormal", "uniform",
                                      "truncnormal"};
  if (!strcmp(key, "dist")) {
    for (int d = 0; d < 4; d++)
      if (!strcmp(value, names[d])) {
        p->dist = d;
        c->set[k][0] = 1;
        return XB_OK;
      }
    return xb__err_set(err, XB_ETYPE, file, line, key, NAN, NAN,
                       "[%s] dist = %s (normal, lognormal, uniform or "
                       "truncnormal)",
                       section, value);
  }
  static const char *const num[] = {"mean", "sigma", "lo", "hi"};
  for (int f = 0; f < 4; f++)
    if (!strcmp(key, num[f])) {
      double d;
      if (parse_num(value, &d))
        return xb__err_set(err, XB_ENAN, file, line, key, NAN, NAN,
                           "[%s] %s = '%s' is not a number", section, key,
                           value);
      double *dst[] = {&p->mean, &p->sigma, &p->lo, &p->hi};
      *dst[f] = d;
      c->set[k][1 + f] = 1;
      return XB_OK;
    }
  return xb__err_set(err, XB_EKEY, file, line, key, NAN, NAN,
                     "[%s] unknown key %s (dist, mean, sigma, lo, hi)",
                     section, key);
}

static const char *ctx_get(const load_ctx *c, const char *key)
{
  for (size_t k = 0; k < c->nkeys; k++)
    if (!strcmp(c->keys[k][0], key))
      return c->keys[k][1];
  return NULL;
}

xb_mc_study *xb_mc_study_load(const char *path, xb_err *err)
{
  load_ctx *c = calloc(1, sizeof *c);
  if (!c) {
    xb__err(err, XB_ENOMEM, "reading %s", path);
    return NULL;
  }
  xb_mc_study *s = NULL;
  if (xb_ini_read(path, NULL, 0, study_key, c, err))
    goto done;
  /* Every parameter needs its distribution's values. */
  for (size_t k = 0; k < c->np; k++) {
    const xb_mc_param *p = &c->p[k];
    const unsigned char *g = c->set[k];
    int need_ms = p->dist != XB_DIST_UNIFORM;
    int need_b = p->dist == XB_DIST_UNIFORM || p->dist == XB_DIST_TRUNCNORMAL;
    const char *miss = !g[0] ? "dist"
                       : need_ms && !g[1] ? "mean"
                       : need_ms && !g[2] ? "sigma"
                       : need_b && !g[3] ? "lo"
                       : need_b && !g[4] ? "hi"
                                         : NULL;
    if (miss) {
      xb__err_set(err, XB_EMISSING, path, 0, miss, NAN, NAN,
                  "%s: [param %s] needs %s", path, p->name, miss);
      goto done;
    }
  }
  double n = 0, seed = 0;
  const char *v = ctx_get(c, "samples");
  if (!v || parse_num(v, &n) || n < 1 || n > UINT32_MAX || n != floor(n)) {
    xb__err_set(err, v ? XB_ERANGE : XB_EMISSING, path, 0, "samples", 1,
                UINT32_MAX, "%s: [study] samples %s", path,
                v ? "must be an integer in 1 .. 2^32 - 1" : "missing");
    goto done;
  }
  v = ctx_get(c, "seed");
  if (v && (parse_num(v, &seed) || seed < 0 || seed != floor(seed) ||
            seed > 9007199254740992.0)) {
    xb__err_set(err, XB_ERANGE, path, 0, "seed", 0, 9007199254740992.0,
                "%s: [study] seed must be a non-negative integer", path);
    goto done;
  }
  v = ctx_get(c, "sampling");
  int lhs = 1;
  if (v && strcmp(v, "lhs") && strcmp(v, "plain")) {
    xb__err_set(err, XB_EKEY, path, 0, "sampling", NAN, NAN,
                "%s: [study] sampling = %s (lhs or plain)", path, v);
    goto done;
  }
  if (v)
    lhs = !strcmp(v, "lhs");
  s = xb_mc_study_create(c->p, c->np, (size_t)n, (uint64_t)seed, lhs, err);
  if (!s) {
    xb__err_prefix(err, path, "%s", path);
    goto done;
  }
  memcpy(s->keys, c->keys, sizeof s->keys);
  s->nkeys = c->nkeys;
  /* The output path is relative to the study file's folder. */
  for (size_t k = 0; k < s->nkeys; k++) {
    if (strcmp(s->keys[k][0], "output") || s->keys[k][1][0] == '/')
      continue;
    const char *slash = strrchr(path, '/');
    if (!slash)
      continue;
    char full[256];
    int len = snprintf(full, sizeof full, "%.*s/%s", (int)(slash - path),
                       path, s->keys[k][1]);
    if (len < 0 || (size_t)len >= sizeof full) {
      xb__err_set(err, XB_ERANGE, path, 0, "output", NAN, NAN,
                  "%s: output path too long", path);
      xb_mc_study_free(s);
      s = NULL;
      goto done;
    }
    strcpy(s->keys[k][1], full);
  }
done:
  free(c);
  return s;
}
