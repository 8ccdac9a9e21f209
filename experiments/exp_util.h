/*
 * Helpers shared by the experiment programs (not part of the library):
 * strict option parsing, files that appear only when complete, and running
 * a gnuplot script to a PNG.
 */
#ifndef XBAR_EXP_UTIL_H
#define XBAR_EXP_UTIL_H

#include <stdint.h>
#include <stdio.h>

/* Parse a whole string; 1 on success, 0 on junk or out of [lo, hi]. */
int xbx_parse_int(const char *s, int lo, int hi, int *out);
/* Monotonic clock, seconds. */
double xbx_now(void);
int xbx_parse_double(const char *s, double lo, double hi, double *out);
int xbx_parse_u64(const char *s, unsigned long long *out);

/* A file written under "<path>.tmp" and renamed to <path> on commit. */
typedef struct xbx_file {
  FILE *fp;
  char path[1024], tmp[1040];
} xbx_file;

/* NULL (with a message on stderr) if the file cannot be created. */
xbx_file *xbx_file_open(const char *path);
/* Close, check for write errors, rename; frees f. 0 on success. */
int xbx_file_commit(xbx_file *f);
/* Close and delete the temporary; frees f. NULL is a no-op. */
void xbx_file_abort(xbx_file *f);

/* Create folder `out` if needed (one level); 0, or -1 with a message on
 * stderr naming program `name`. */
int xbx_make_dir(const char *out, const char *name);

/* Create folder `out` if needed, put "<out>/<name>.csv" and
 * "<out>/<name>.png" into csv and png (n bytes each) and open the CSV with
 * xbx_file_open. NULL (with a message on stderr) on failure. */
xbx_file *xbx_open_outputs(const char *out, const char *name, char *csv,
                           char *png, size_t n);

/* Run `gnuplot -e "<vars>; png='<tmp>'" script`, then check the exit status
 * and that the PNG is not empty before renaming it to `png`. 0 on success;
 * on failure a message on stderr and no PNG. */
int xbx_gnuplot(const char *script, const char *vars, const char *png);

#endif
