/*
 * Helpers shared by the experiment programs; see exp_util.h.
 */
#include "exp_util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int xbx_parse_int(const char *s, int lo, int hi, int *out)
{
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (end == s || *end || errno || v < lo || v > hi)
    return 0;
  *out = (int)v;
  return 1;
}

int xbx_parse_double(const char *s, double lo, double hi, double *out)
{
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (end == s || *end || errno || !isfinite(v) || v < lo || v > hi)
    return 0;
  *out = v;
  return 1;
}

int xbx_parse_u64(const char *s, unsigned long long *out)
{
  char *end;
  errno = 0;
  if (*s == '-')
    return 0;
  unsigned long long v = strtoull(s, &end, 0);
  if (end == s || *end || errno)
    return 0;
  *out = v;
  return 1;
}

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

xbx_file *xbx_open_outputs(const char *out, const char *name, char *csv,
                           char *png, size_t n)
{
  if (xbx_make_dir(out, name))
    return NULL;
  int a = snprintf(csv, n, "%s/%s.csv", out, name);
  int b = snprintf(png, n, "%s/%s.png", out, name);
  if (a < 0 || b < 0 || (size_t)a >= n || (size_t)b >= n) {
    fprintf(stderr, "%s: output path too long\n", name);
    return NULL;
  }
  return xbx_file_open(csv);
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
