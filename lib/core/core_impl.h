/*
 * Private helpers shared by all xbar modules: error reporting and small
 * numeric checks. Not installed; symbols are xb__ prefixed.
 */
#ifndef XBAR_CORE_IMPL_H
#define XBAR_CORE_IMPL_H

#include <stdarg.h>
#include <xbar/error.h>

#if defined(__GNUC__)
#define XB__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define XB__PRINTF(f, a)
#endif

/* Fill `err` (may be NULL) and return `code`. `file` may be NULL, `line` 0,
 * `param` NULL; lo/hi NaN when no range applies. The message is built from
 * fmt, prefixed with "file:line: " when a file is given. */
int xb__err_set(xb_err *err, int code, const char *file, int line,
                const char *param, double lo, double hi, const char *fmt, ...)
    XB__PRINTF(8, 9);

/* Shorthand for an error with only a message. */
int xb__err(xb_err *err, int code, const char *fmt, ...) XB__PRINTF(3, 4);

/* Prefix err->msg with "<prefix>: " and set err->file to `file` when given
 * and err has none. NULL err is a no-op. Returns err->code (XB_OK if NULL). */
int xb__err_prefix(xb_err *err, const char *file, const char *fmt, ...)
    XB__PRINTF(3, 4);

#endif
