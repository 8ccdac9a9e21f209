/*
 * The generic device layer: a model type plus its parameters, electrical
 * behaviour (write threshold, pulse width, read I-V) and variation. This
 * file owns everything that is the same for every model: the threshold
 * rule of SPEC section 1 (no change at or below Vw/2, a configurable
 * response between Vw/2 and Vw), the .ini loader, and descriptions. Models
 * (exp.c, linear.c, softbounds.c, lut.c) only give the pulse response and
 * the optional ops of their descriptor (their data, pulse count, derived
 * values); this file knows them through those ops and the registry alone.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_impl.h"

static int check_elec(const void *pp, xb_err *err)
{
  (void)pp;
  (void)err;
  return XB_OK;
}

static int check_var(const void *pp, xb_err *err)
{
  const xb_var_params *v = pp;
  if (v->stuck_gmin + v->stuck_gmax > 1.0)
    return xb__err_set(err, XB_ERANGE, NULL, 0, "stuck_gmax", 0,
                       1.0 - v->stuck_gmin,
                       "[variation] stuck_gmin + stuck_gmax = %g exceeds 1",
                       v->stuck_gmin + v->stuck_gmax);
  return XB_OK;
}

#define XB_PARAM_T xb_elec_params
XB_PARAM_SET_DEFINE(xb_elec_param_set, "electrical", XB_ELEC_PARAMS,
                    check_elec)
#undef XB_PARAM_T
#define XB_PARAM_T xb_var_params
XB_PARAM_SET_DEFINE(xb_var_param_set, "variation", XB_VAR_PARAMS, check_var)
#undef XB_PARAM_T

/* ---- creation ------------------------------------------------------------ */

xb_device *xb_device_create(const xb_device_type *type, const void *params,
                            const void *data, const xb_elec_params *el,
                            const xb_var_params *var, xb_err *err)
{
  if (!type) {
    xb__err(err, XB_EINVAL, "NULL device type");
    return NULL;
  }
  xb_device *d = calloc(1, sizeof *d);
  if (!d) {
    xb__err(err, XB_ENOMEM, "device");
    return NULL;
  }
  d->type = type;
  d->params = malloc(type->params->size);
  if (!d->params) {
    xb__err(err, XB_ENOMEM, "device parameters");
    goto fail;
  }
  if (params)
    memcpy(d->params, params, type->params->size);
  else
    xb_param_defaults(type->params, d->params);
  if (el)
    d->el = *el;
  else
    xb_param_defaults(&xb_elec_param_set, &d->el);
  if (var)
    d->var = *var;
  else
    xb_param_defaults(&xb_var_param_set, &d->var);

  if (xb_param_check(type->params, d->params, err) ||
      xb_param_check(&xb_elec_param_set, &d->el, err) ||
      xb_param_check(&xb_var_param_set, &d->var, err))
    goto fail;
  if (type->copy_data && data) { /* no data: prepare says what is missing */
    if (type->copy_data(data, &d->data, err))
      goto fail;
    data = d->data;
  }
  if (type->prepare(d->params, data, &d->model, err))
    goto fail;
  type->bounds(d->model, &d->gmin, &d->gmax);
  return d;

fail:
  xb_device_free(d);
  return NULL;
}

xb_device *xb_device_with_variation(const xb_device *d,
                                    const xb_var_params *var, xb_err *err)
{
  if (!d) {
    xb__err(err, XB_EINVAL, "NULL device");
    return NULL;
  }
  return xb_device_create(d->type, d->params, d->data, &d->el, var, err);
}

void xb_device_free(xb_device *d)
{
  if (!d)
    return;
  if (d->model) {
    if (d->type->release)
      d->type->release(d->model);
    else
      free(d->model);
  }
  free(d->data);
  free(d->params);
  free(d);
}

/* ---- .ini loading -------------------------------------------------------- */

struct load_ctx {
  char type[32];
  char table[256];
  int scan; /* first pass: only look for [device] keys */
};

static int device_keys(void *user, const char *section, const char *key,
                       const char *value, const char *file, int line,
                       xb_err *err)
{
  struct load_ctx *c = user;
  if (strcmp(section, "device") == 0) {
    char *dst = NULL;
    size_t n = 0;
    if (strcmp(key, "type") == 0) {
      dst = c->type;
      n = sizeof c->type;
    } else if (strcmp(key, "table") == 0) {
      dst = c->table;
      n = sizeof c->table;
    }
    if (dst) {
      if (strlen(value) >= n)
        return xb__err_set(err, XB_ERANGE, file, line, key, NAN, NAN,
                           "[device] %s is longer than %zu characters", key,
                           n - 1);
      snprintf(dst, n, "%s", value);
      return XB_OK;
    }
    return XB_EKEY;
  }
  return c->scan ? XB_OK : XB_EKEY;
}

xb_device *xb_device_load(const char *path, xb_err *err)
{
  if (!path) {
    xb__err(err, XB_EINVAL, "NULL path");
    return NULL;
  }
  struct load_ctx c = {0};
  c.scan = 1;
  if (xb_ini_read(path, NULL, 0, device_keys, &c, err))
    return NULL;
  char names[256];
  if (!c.type[0]) {
    xb__device_type_names(names, sizeof names, " | ", " | ", 0);
    xb__err_set(err, XB_EMISSING, path, 0, "type", NAN, NAN,
                "[device] type = %s is missing", names);
    return NULL;
  }
  const xb_device_type *type = xb_device_type_find(c.type);
  if (!type) {
    xb__device_type_names(names, sizeof names, ", ", " or ", 0);
    xb__err_set(err, XB_ETYPE, path, 0, "type", NAN, NAN,
                "[device] type = '%s' is not %s", c.type, names);
    return NULL;
  }
  if (c.table[0] && !type->load_data) {
    xb__device_type_names(names, sizeof names, ", ", " or ", 1);
    xb__err_set(err, XB_EKEY, path, 0, "table", NAN, NAN,
                "[device] table only applies to type = %s", names);
    return NULL;
  }

  /* Second pass: the typed sections. The model struct is sized by its
   * table; long double alignment covers every member type. */
  union {
    long double align;
    unsigned char bytes[512];
  } model;
  if (type->params->size > sizeof model.bytes) {
    xb__err(err, XB_ESIZE, "model parameter struct too large");
    return NULL;
  }
  xb_elec_params el;
  xb_var_params var;
  xb_param_defaults(type->params, model.bytes);
  xb_param_defaults(&xb_elec_param_set, &el);
  xb_param_defaults(&xb_var_param_set, &var);
  xb_ini_binding b[3] = {{"model", type->params, model.bytes},
                         {"electrical", &xb_elec_param_set, &el},
                         {"variation", &xb_var_param_set, &var}};
  c.scan = 0;
  if (xb_ini_read(path, b, 3, device_keys, &c, err))
    return NULL;

  void *data = NULL;
  if (type->load_data) {
    if (!c.table[0]) {
      xb__err_set(err, XB_EMISSING, path, 0, "table", NAN, NAN,
                  "[device] type = %s needs table = <file.csv>", type->name);
      return NULL;
    }
    char full[sizeof c.table + 512];
    const char *slash = strrchr(path, '/');
    if (c.table[0] != '/' && slash)
      snprintf(full, sizeof full, "%.*s/%s", (int)(slash - path), path,
               c.table);
    else
      snprintf(full, sizeof full, "%s", c.table);
    if (type->load_data(full, &data, err)) {
      xb__err_prefix(err, NULL, "%s: [device] table", path);
      return NULL;
    }
  }
  xb_device *d = xb_device_create(type, model.bytes, data, &el, &var, err);
  free(data);
  if (!d && err && !err->file[0]) /* label cross-field errors */
    xb__err_prefix(err, path, "%s", path);
  return d;
}

/* ---- queries ------------------------------------------------------------- */

const char *xb_device_name(const xb_device *d) { return d->type->name; }
const xb_device_type *xb_device_type_of(const xb_device *d) { return d->type; }
const void *xb_device_params(const xb_device *d) { return d->params; }
const xb_elec_params *xb_device_elec(const xb_device *d) { return &d->el; }
const xb_var_params *xb_device_variation(const xb_device *d)
{
  return &d->var;
}

void xb_device_bounds(const xb_device *d, double *gmin, double *gmax)
{
  if (gmin)
    *gmin = d->gmin;
  if (gmax)
    *gmax = d->gmax;
}

double xb_device_levels(const xb_device *d)
{
  return d->type->levels ? d->type->levels(d->model) : 0.0;
}

double xb_device_rate(const xb_device *d, double v)
{
  if (!(v == v) || v == 0)
    return 0;
  const xb_elec_params *e = &d->el;
  double vw = v > 0 ? e->vw_set : e->vw_reset;
  double a = fabs(v), rate;
  if (a <= 0.5 * vw)
    return 0;
  switch (e->response) {
  case 1: /* linear from Vw/2 to Vw */
    rate = a >= vw ? 1.0 : (a - 0.5 * vw) / (0.5 * vw);
    break;
  case 2: /* exponential voltage acceleration */
    rate = exp((a - vw) / e->v0);
    break;
  default: /* step */
    rate = a >= e->step_frac * vw ? 1.0 : 0.0;
    break;
  }
  return v > 0 ? rate : -rate;
}

size_t xb_device_describe(const xb_device *d, char *buf, size_t n)
{
  size_t need = 0;
#define XB__APPEND(call)                                                      \
  do {                                                                        \
    char *dst_ = (buf && need < n) ? buf + need : NULL;                       \
    size_t room_ = (buf && need < n) ? n - need : 0;                          \
    need += (call);                                                           \
  } while (0)
#define DST dst_, room_
  XB__APPEND((size_t)snprintf(DST, "device type %s: %s\n", d->type->name,
                              d->type->desc));
  XB__APPEND(xb_param_describe(d->type->params, d->params, DST));
  if (d->type->describe)
    XB__APPEND(d->type->describe(d->model, DST));
  XB__APPEND(xb_param_describe(&xb_elec_param_set, &d->el, DST));
  XB__APPEND(xb_param_describe(&xb_var_param_set, &d->var, DST));
#undef DST
#undef XB__APPEND
  return need;
}
