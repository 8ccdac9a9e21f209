/*
 * xbar status codes and error detail.
 *
 * Every fallible xbar function returns an int status: XB_OK (0) on success,
 * a negative XB_E* code otherwise. The codes and their one-line messages are
 * generated from the single list XB_STATUS_LIST below, so a code can never
 * lack a message. xb_strerror() maps a code to its message.
 *
 * The detail of a failure (which file and line, which parameter, what range
 * was allowed) goes into an xb_err that the caller owns and passes in; every
 * function that takes an `xb_err *err` accepts NULL when the caller does not
 * want the detail. There is no global "last error": two threads each with
 * their own xb_err never interfere. (Pattern: libuv UV_ERRNO_MAP, SUNDIALS
 * SUN_ERR_CODE_LIST.)
 */
#ifndef XBAR_ERROR_H
#define XBAR_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, value, message) */
#define XB_STATUS_LIST(X)                                                     \
  X(XB_OK, 0, "success")                                                     \
  X(XB_ENOMEM, -1, "out of memory")                                          \
  X(XB_EINVAL, -2, "invalid argument")                                       \
  X(XB_EIO, -3, "cannot open, read or write file")                           \
  X(XB_ESYNTAX, -4, "malformed line")                                        \
  X(XB_EKEY, -5, "unknown key or section")                                   \
  X(XB_ERANGE, -6, "value out of range")                                     \
  X(XB_ENAN, -7, "value is not a finite number")                             \
  X(XB_EMISSING, -8, "required value missing")                               \
  X(XB_ETYPE, -9, "unknown model type")                                      \
  X(XB_EDATA, -10, "invalid data (too few points, not monotone, ...)")       \
  X(XB_ENOCONV, -11, "iteration did not converge")                           \
  X(XB_ESINGULAR, -12, "singular or floating network")                       \
  X(XB_ESIZE, -13, "size out of range")                                      \
  X(XB_ESTATE, -14, "operation not allowed in the current state")            \
  X(XB_EEXTERNAL, -15, "external tool failed")

#define XB__STATUS_ENUM(name, value, msg) name = (value),
enum xb_status { XB_STATUS_LIST(XB__STATUS_ENUM) XB__STATUS_END };
#undef XB__STATUS_ENUM

/* Error detail filled in by a failing call. All strings are NUL-terminated;
 * fields that do not apply are empty ("" / 0 / NaN range). */
typedef struct xb_err {
  int code;          /* the XB_E* code that was returned */
  char msg[512];     /* full human-readable message, with everything below */
  char file[256];    /* input file concerned, "" if none */
  int line;          /* 1-based line in `file`, 0 if not applicable */
  char param[64];    /* parameter or key concerned, "" if none */
  double lo, hi;     /* allowed range of `param`, NaN if not applicable */
} xb_err;

/* Message of a status code; never NULL ("unknown status" for codes outside
 * the list). The string is static and must not be freed. */
const char *xb_strerror(int code);

/* Name of a status code ("XB_ERANGE"); never NULL. */
const char *xb_status_name(int code);

/* Reset `err` to "no error". NULL is a no-op. */
void xb_err_clear(xb_err *err);

#ifdef __cplusplus
}
#endif
#endif /* XBAR_ERROR_H */
