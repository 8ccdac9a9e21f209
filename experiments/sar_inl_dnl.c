/*
 * sar_inl_dnl: code-density INL and DNL of the behavioral SAR ADC
 * (xbar/mvm.h; TIMON's column ADC, seed 003 section 6.6.2) and their
 * spread under unit-capacitor mismatch against the analytic sigma.
 *
 * Measurement: a ramp of --per-lsb evenly spaced samples per LSB over the
 * full scale, converted at full resolution; each transition is where the
 * cumulative count of the codes below it ends (xb_sar_code_density).
 * (a) one instance: DNL and INL per code;
 * (b) a Monte Carlo over --instances instances (their capacitors drawn with
 *     sigma_cu per unit): the sample sigma of INL and DNL per code, and the
 *     analytic sigma from linearising V_dac(c) = v_fs sum_{k in c} C_k /
 *     C_total in the unit-capacitor errors (capacitor k: 2^k units, the
 *     dummy one):
 *       INL(c):  sigma_cu sqrt(c (2^n - c) / 2^n)
 *       DNL(c) (transition c -> c + 1, j the trailing ones of c: capacitor
 *       j against capacitors 0 .. j-1):
 *         sigma_cu^2 [2^j (1 - 2^-n)^2 + (2^j - 1)(1 + 2^-n)^2
 *                     + (2^n - 2^(j+1) + 1) 2^-2n]
 *       largest at mid-scale, sigma_cu sqrt(2^n - 1).
 * Also the ideal ADC (sigma_cu = 0): INL and DNL must be 0 at every code.
 *
 * Output in --out: sar_inl_dnl.csv (per code), sar_inl_dnl.png, a progress
 * line and a final JSON line (measured / analytic at mid-scale, the ideal
 * ADC's largest |INL|, |DNL|).
 *
 * usage: sar_inl_dnl [--bits N] [--sigma S] [--instances K] [--per-lsb P]
 *                    [--out DIR]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xbar/xbar.h>

#include "exp_util.h"

#define PROG "sar_inl_dnl"
#define SRC XB_SOURCE_DIR

int main(int argc, char **argv)
{
  int bits = 8, inst = 400, per = 64;
  double sigma = 0.01;
  const char *out = SRC "/plots";
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      printf("usage: " PROG " [--bits N] [--sigma S] [--instances K] "
             "[--per-lsb P] [--out DIR]\n");
      return 0;
    }
    if (!v || !((!strcmp(a, "--bits") && xbx_parse_int(v, 2, 14, &bits)) ||
                (!strcmp(a, "--sigma") &&
                 xbx_parse_double(v, 0, 0.5, &sigma)) ||
                (!strcmp(a, "--instances") &&
                 xbx_parse_int(v, 2, 100000, &inst)) ||
                (!strcmp(a, "--per-lsb") && xbx_parse_int(v, 1, 4096, &per)) ||
                (!strcmp(a, "--out") && (out = v)))) {
      fprintf(stderr, PROG ": bad or unknown argument: %s\n", a);
      return 2;
    }
    i++;
  }
  size_t codes = (size_t)1 << bits;
  double *dnl = malloc(codes * sizeof *dnl), *inl = malloc(codes * sizeof *inl);
  double *d0 = malloc(codes * sizeof *d0), *i0 = malloc(codes * sizeof *i0);
  double *si = calloc(codes, sizeof *si), *sd = calloc(codes, sizeof *sd);
  double *mi = calloc(codes, sizeof *mi), *md = calloc(codes, sizeof *md);
  if (!dnl || !inl || !d0 || !i0 || !si || !sd || !mi || !md) {
    fprintf(stderr, PROG ": out of memory\n");
    return 1;
  }
  xb_err err;
  xb_sar_params p;
  xb_param_defaults(&xb_sar_param_set, &p);
  p.bits = bits;
  /* The ideal ADC. */
  xb_sar *s = xb_sar_create(&p, 1, &err);
  if (!s || xb_sar_code_density(s, per, NULL, dnl, inl, &err)) {
    fprintf(stderr, PROG ": %s\n", err.msg);
    return 1;
  }
  xb_sar_free(s);
  double ideal_inl = 0, ideal_dnl = 0;
  for (size_t c = 0; c < codes; c++) {
    ideal_inl = fmax(ideal_inl, fabs(inl[c]));
    ideal_dnl = fmax(ideal_dnl, fabs(dnl[c]));
  }
  /* The Monte Carlo. */
  p.sigma_cu = sigma;
  double t0 = xbx_now(), last = 0;
  for (int k = 0; k < inst; k++) {
    s = xb_sar_create(&p, 1000 + (uint64_t)k, &err);
    if (!s || xb_sar_code_density(s, per, NULL, dnl, inl, &err)) {
      fprintf(stderr, PROG ": %s\n", err.msg);
      return 1;
    }
    xb_sar_free(s);
    if (k == 0) {
      memcpy(d0, dnl, codes * sizeof *d0);
      memcpy(i0, inl, codes * sizeof *i0);
    }
    for (size_t c = 0; c < codes; c++) {
      mi[c] += inl[c];
      md[c] += dnl[c];
      si[c] += inl[c] * inl[c];
      sd[c] += dnl[c] * dnl[c];
    }
    double t = xbx_now();
    if (t - last > 0.5 || k + 1 == inst) {
      last = t;
      fprintf(stderr, "\r  " PROG " %6d / %d instances  ETA %4.0f s ", k + 1,
              inst, (t - t0) / (k + 1) * (inst - k - 1));
    }
  }
  fprintf(stderr, "\n");
  char csv[1100], png[1100];
  xbx_file *f = xbx_open_outputs(out, PROG, csv, png, sizeof csv);
  if (!f)
    return 1;
  fprintf(f->fp, "# %d-bit SAR, unit-capacitor sigma %g, %d instances, %d "
                 "samples per LSB; INL, DNL in LSB\n",
          bits, sigma, inst, per);
  fprintf(f->fp, "code,dnl_inst0,inl_inst0,sigma_dnl_mc,sigma_dnl_analytic,"
                 "sigma_inl_mc,sigma_inl_analytic\n");
  double n2 = (double)codes, r_inl = 0, r_dnl = 0;
  for (size_t c = 0; c < codes; c++) {
    double vi = si[c] / inst - (mi[c] / inst) * (mi[c] / inst);
    double vd = sd[c] / inst - (md[c] / inst) * (md[c] / inst);
    double ai = sigma * sqrt((double)c * (n2 - (double)c) / n2);
    int j = 0;
    while ((c >> j) & 1u)
      j++;
    double pj = ldexp(1.0, j), e = 1.0 / n2;
    double ad = c + 1 < codes
                    ? sigma * sqrt(pj * (1 - e) * (1 - e) +
                                   (pj - 1) * (1 + e) * (1 + e) +
                                   (n2 - 2 * pj + 1) * e * e)
                    : 0.0;
    if (c == 0 || c + 1 == codes)
      ad = 0; /* the end codes' widths are not measured */
    fprintf(f->fp, "%zu,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n", c, d0[c], i0[c],
            sqrt(fmax(vd, 0)), ad, sqrt(fmax(vi, 0)), ai);
    if (c == codes / 2)
      r_inl = sqrt(fmax(vi, 0)) / ai;
    if (c == codes / 2 - 1)
      r_dnl = sqrt(fmax(vd, 0)) / ad;
  }
  if (xbx_file_commit(f))
    return 1;
  char vars[2400];
  snprintf(vars, sizeof vars, "csv='%s'; bits=%d; sig=%g; inst=%d", csv, bits,
           sigma, inst);
  if (xbx_gnuplot(SRC "/plots/sar_inl_dnl.gp", vars, png))
    return 1;
  printf("%d-bit SAR, sigma_cu %g, %d instances: mid-scale sigma measured / "
         "analytic: INL %.3f, DNL %.3f; ideal ADC max |INL| %g, |DNL| %g\n",
         bits, sigma, inst, r_inl, r_dnl, ideal_inl, ideal_dnl);
  printf("wrote %s, %s\n", csv, png);
  printf("{\"experiment\": \"" PROG "\", \"bits\": %d, \"sigma_cu\": %g, "
         "\"instances\": %d, \"inl_ratio_mid\": %.4f, \"dnl_ratio_mid\": "
         "%.4f, \"ideal_max_inl\": %g, \"ideal_max_dnl\": %g, \"seconds\": "
         "%.3g}\n",
         bits, sigma, inst, r_inl, r_dnl, ideal_inl, ideal_dnl, xbx_now() - t0);
  free(dnl);
  free(inl);
  free(d0);
  free(i0);
  free(si);
  free(sd);
  free(mi);
  free(md);
  return 0;
}
