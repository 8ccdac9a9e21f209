/*
 * Parameter sets: one X-macro table per set.
 *
 * A parameter set is written once, as a list of rows
 *
 *   X(type, field, unit, default, min, max, description)
 *
 * where type is `double` or `int`, unit an SI unit string ("S", "V", "s",
 * "1" for dimensionless, "pulses" for pulse counts) and [min, max] the closed
 * range the value must lie in. From that single list xbar generates
 *   - the C struct (XB_PARAM_STRUCT),
 *   - a row table read by the generic functions below, which provide the
 *     defaults, the range check, the .ini reader and the printed help.
 * Nothing about a parameter is written twice (the counter-example is
 * ngspice's res.c / resparam.c / resask.c).
 *
 * Example (the real sets are in device.h):
 *
 *   #define MY_PARAMS(X) \
 *     X(double, gmax, "S", 1e-6, 0.0, 1.0, "maximum conductance")
 *   typedef struct { XB_PARAM_STRUCT(MY_PARAMS) } my_params;
 *
 * and in one .c file
 *
 *   #define XB_PARAM_T my_params
 *   XB_PARAM_SET_DEFINE(my_param_set, "my", MY_PARAMS, NULL)
 *   #undef XB_PARAM_T
 *
 * .ini files (libinih syntax) hold `key = value` lines under [section]
 * headers; `;` and `#` start comments. Numbers are C floating literals
 * (1e-3, 0.5); int fields must hold whole numbers.
 */
#ifndef XBAR_PARAM_H
#define XBAR_PARAM_H

#include <stddef.h>
#include <xbar/error.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum xb_param_kind { XB_PARAM_DOUBLE, XB_PARAM_INT } xb_param_kind;

/* One row of a parameter table. */
typedef struct xb_param_row {
  const char *name;   /* key in .ini files and the struct field name */
  xb_param_kind kind; /* storage type of the field */
  const char *unit;   /* SI unit */
  double def, lo, hi; /* default and closed allowed range */
  const char *desc;   /* one-line description */
  size_t offset;      /* offsetof the field in the struct */
} xb_param_row;

/* A whole set: the rows plus an optional cross-field check (e.g. gmin <
 * gmax) run after every row passed its range check. The check returns XB_OK
 * or an error code and fills err. */
typedef struct xb_param_set {
  const char *name;          /* default .ini section name */
  size_t size;               /* sizeof the struct */
  size_t nrows;
  const xb_param_row *rows;
  int (*check)(const void *p, xb_err *err);
} xb_param_set;

/* ---- generators ------------------------------------------------------ */
#define XB__PARAM_CTYPE_double double
#define XB__PARAM_CTYPE_int int
#define XB__PARAM_KIND_double XB_PARAM_DOUBLE
#define XB__PARAM_KIND_int XB_PARAM_INT

#define XB__PARAM_FIELD(type, field, unit, def, lo, hi, desc)                 \
  XB__PARAM_CTYPE_##type field;
/* Expands to the struct members of a parameter list. */
#define XB_PARAM_STRUCT(LIST) LIST(XB__PARAM_FIELD)

#define XB__PARAM_ROW(type, field, unit, def, lo, hi, desc)                   \
  {#field, XB__PARAM_KIND_##type, unit, (def), (lo), (hi), desc,              \
   offsetof(XB_PARAM_T, field)},

/* Defines `const xb_param_set NAME` from LIST for the struct type that
 * XB_PARAM_T names at the point of use:
 *
 *   #define XB_PARAM_T my_params
 *   XB_PARAM_SET_DEFINE(my_param_set, "my", MY_PARAMS, NULL)
 *   #undef XB_PARAM_T
 */
#define XB_PARAM_SET_DEFINE(NAME, SECTION, LIST, CHECK)                       \
  static const xb_param_row NAME##_rows[] = {LIST(XB__PARAM_ROW)};            \
  const xb_param_set NAME = {SECTION, sizeof(XB_PARAM_T),                     \
                             sizeof NAME##_rows / sizeof NAME##_rows[0],      \
                             NAME##_rows, CHECK};

/* ---- generic operations ---------------------------------------------- */

/* Write every default of `set` into `p` (a struct of set->size bytes). */
void xb_param_defaults(const xb_param_set *set, void *p);

/* Check every field against its range and run the set's cross-field check.
 * Returns XB_OK, XB_ENAN (NaN or infinite), XB_ERANGE, or the check's code;
 * err names the parameter and the allowed range. */
int xb_param_check(const xb_param_set *set, const void *p, xb_err *err);

/* Find a row by key (exact, case-sensitive); NULL if none. */
const xb_param_row *xb_param_find(const xb_param_set *set, const char *key);

/* Parse `text` as the value of `key` and store it in `p` after a range check.
 * On error `p` is unchanged. Codes: XB_EKEY (no such key), XB_ESYNTAX (not a
 * number, or not whole for an int field), XB_ENAN, XB_ERANGE. `file`/`line`
 * only label the error (may be NULL/0). */
int xb_param_set_text(const xb_param_set *set, void *p, const char *key,
                      const char *text, const char *file, int line,
                      xb_err *err);

/* Value of a row in `p` as a double. */
double xb_param_get(const xb_param_row *row, const void *p);

/* Read section `section` (NULL: set->name) of the .ini file `path` into `p`,
 * starting from the values already in `p`. Keys in other sections are an
 * error (XB_EKEY); use xb_ini_read for files that hold several sets. On any
 * error `p` is unchanged. */
int xb_param_read(const xb_param_set *set, void *p, const char *path,
                  const char *section, xb_err *err);

/* Print a description of the set with the values in `p` (NULL: defaults)
 * into buf, one line per parameter:
 *   name = value unit  [min, max]  description
 * Returns the length the full text needs (like snprintf); buf may be NULL
 * when n is 0. */
size_t xb_param_describe(const xb_param_set *set, const void *p, char *buf,
                         size_t n);

/* ---- multi-section .ini files ---------------------------------------- */

/* One section of an .ini file bound to a parameter struct. */
typedef struct xb_ini_binding {
  const char *section;
  const xb_param_set *set;
  void *p;
} xb_ini_binding;

/* Extra key handler for keys that are not numbers (e.g. a model type name).
 * Returns XB_OK if it took the key, XB_EKEY (err need not be filled) if it
 * does not know it, or another error code with err filled. */
typedef int (*xb_ini_text_fn)(void *user, const char *section,
                              const char *key, const char *value,
                              const char *file, int line, xb_err *err);

/* Read `path`, routing each key to the binding whose section matches. Keys
 * of unknown sections go to `text_fn` (may be NULL). Every struct is
 * modified only if the whole file is valid and every set passes its check.
 * Codes: XB_EIO (missing or unreadable file), XB_ESYNTAX (malformed line),
 * XB_EKEY, XB_ENAN, XB_ERANGE, XB_ENOMEM, or text_fn's codes. */
int xb_ini_read(const char *path, const xb_ini_binding *bindings, size_t nb,
                xb_ini_text_fn text_fn, void *user, xb_err *err);

#ifdef __cplusplus
}
#endif
#endif /* XBAR_PARAM_H */
