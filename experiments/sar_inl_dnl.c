/*
 * sar_inl_dnl: code-density INL and DNL of the behavioral SAR ADC
 * (xbar/mvm.h; TIMON's column ADC, seed 003 section 6.6.2) and their
 * spread under unit-capacitor mismatch against the analytic sigma.
 *
 * Measurement (xb_sar_code_density): a ramp of --per-lsb evenly spaced
 * samples per LSB over the full scale, converted at full resolution; the
 * transition into code c, T(c), is where the cumulative count of the codes
 * below c ends. INL(c) = T(c) - c and DNL(c) = T(c + 1) - T(c) - 1 (the
 * width of code c less one LSB; codes 0 and 2^n - 1 have no measured
 * width and report 0), in LSB = v_fs / 2^n, against the ideal c LSB (no
 * end-point or gain correction).
 *   (a) one instance (the first of the Monte Carlo): DNL and INL per code;
 *   (b) a Monte Carlo over --instances instances (seeds 1000, 1001, ...):
 *       the sample sigma of INL and of DNL per code against the analytic
 *       one below; the ratio at mid-scale (INL(2^(n-1)), DNL(2^(n-1) - 1),
 *       the code that ends at the MSB transition), and the RMS ratio over
 *       all measured codes against the analytic sigma with the
 *       measurement's rounding added (below);
 *   (c) the ideal ADC (sigma_cu = 0): the largest |INL| and |DNL|, which
 *       must be exactly 0 (samples at bin centres never meet a transition).
 *
 * Analytic sigma. Unit u (N = 2^n of them: capacitor k holds 2^k, the
 * dummy one) is c_unit (1 + e_u), e_u independent with sigma s = sigma_cu.
 * For a code c made of the set S_c of c units, V_dac(c) / LSB =
 * N sum_{S_c} (1 + e_u) / sum_all (1 + e_u); to first order in e,
 *
 *   INL(c) = sum_{u in S_c} e_u - (c / N) sum_all e_u
 *          = (1 - c/N) sum_{S_c} e_u - (c/N) sum_{not S_c} e_u,
 *   var INL(c) = s^2 [c (1 - c/N)^2 + (N - c) (c/N)^2] = s^2 c (N - c) / N.
 *
 * DNL(c) = INL(c + 1) - INL(c). If c ends in j ones (c = ...0 1^j), c + 1
 * swaps capacitors 0 .. j-1 (A: 2^j - 1 units) for capacitor j (B: 2^j
 * units), so with the sum over all units E,
 *
 *   DNL(c) = sum_B e_u - sum_A e_u - E / N,
 *   var DNL(c) = s^2 [2^j (1 - 1/N)^2 + (2^j - 1)(1 + 1/N)^2
 *                     + (N - 2^(j+1) + 1) / N^2]
 *              = s^2 (2^(j+1) - 1 - 1/N).
 *
 * So the DNL sigma depends only on j: s sqrt(1 - 1/N) for even c, rising
 * to s sqrt(2^n - 1 - 2^-n) ~ s sqrt(2^n - 1) (mvm.h's mid-scale value)
 * for c = 2^(n-1) - 1.
 *
 * Rounding. The code density places each transition on the grid of
 * 1 / per_lsb LSB: an error uniform over one step (the INL of a transition
 * spreads over many steps), variance 1 / (12 P^2) for INL; for DNL the
 * difference of two counts, variance 1 / (6 P^2) (E[f (1 - f)] over the
 * fractional offset f). At the defaults (P = 64) that is 0.0045 LSB and
 * 0.0064 LSB: 0.2% on the mid-scale sigmas, but comparable with the
 * DNL sigma of even codes (s sqrt(1 - 1/N) = 0.01 LSB), which lifts the
 * RMS DNL ratio against the pure analytic sigma by about 3%. The CSV gives
 * both the pure and the rounded analytic sigma; the RMS ratios use the
 * rounded one, the mid-scale ratios the pure one.
 *
 * Output in --out (default plots/): sar_inl_dnl.csv (per code: instance
 * DNL and INL, MC mean and sigma of both, analytic sigma pure and with
 * the rounding), sar_inl_dnl.png
 * (plots/sar_inl_dnl.gp), a progress line on stderr, a summary and a final
 * one-line JSON on stdout. The default run (8 bits, 400 instances, 64
 * samples per LSB) takes about a second.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/xbar.h>

#include "exp_util.h"

#define PROG "sar_inl_dnl"

typedef struct options {
  int bits, instances, per_lsb;
  double sigma;
  const char *out, *gp;
} options;

static void usage(FILE *f)
{
  fprintf(f,
    "usage: " PROG " [options]\n"
    "  --bits N        resolution (default 8, 2..14)\n"
    "  --sigma S       relative sigma of each unit capacitor (default 0.01)\n"
    "  --instances K   Monte Carlo instances (default 400, >= 2)\n"
    "  --per-lsb P     ramp samples per LSB (default 64)\n"
    "  --out DIR       output folder (default plots)\n"
    "  -h, --help      this text\n");
}

static int parse(int argc, char **argv, options *o)
{
  o->bits = 8;
  o->instances = 400;
  o->per_lsb = 64;
  o->sigma = 0.01;
  o->out = XB_SOURCE_DIR "/plots";
  o->gp = XB_SOURCE_DIR "/plots/sar_inl_dnl.gp";
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      exit(0);
    }
    int ok;
    if (!strcmp(a, "--bits"))
      ok = v && xbx_parse_int(v, 2, 14, &o->bits);
    else if (!strcmp(a, "--sigma"))
      ok = v && xbx_parse_double(v, 0, 0.5, &o->sigma);
    else if (!strcmp(a, "--instances"))
      ok = v && xbx_parse_int(v, 2, 1000000, &o->instances);
    else if (!strcmp(a, "--per-lsb"))
      ok = v && xbx_parse_int(v, 1, 4096, &o->per_lsb);
    else if (!strcmp(a, "--out"))
      ok = v && (o->out = v);
    else {
      fprintf(stderr, PROG ": unknown argument: %s\n", a);
      usage(stderr);
      return -1;
    }
    if (!ok) {
      fprintf(stderr, PROG ": %s needs a valid value\n", a);
      return -1;
    }
    i++;
  }
  return 0;
}

/* Analytic sigmas (LSB, per unit sigma_cu) of INL(c) and DNL(c). */
static double inl_sigma(size_t c, size_t codes)
{
  double x = (double)c, N = (double)codes;
  return sqrt(x * (N - x) / N);
}

static double dnl_sigma(size_t c, size_t codes)
{
  if (c == 0 || c + 1 >= codes)
    return 0.0; /* not measured */
  int j = 0;
  while ((c >> j) & 1u)
    j++;
  return sqrt(ldexp(1.0, j + 1) - 1.0 - 1.0 / (double)codes);
}

/* A JSON number, or null when x is not finite (ratios when sigma_cu = 0). */
static const char *jnum(char *buf, size_t n, const char *fmt, double x)
{
  if (!isfinite(x))
    return "null";
  snprintf(buf, n, fmt, x);
  return buf;
}

int main(int argc, char **argv)
{
  options o;
  if (parse(argc, argv, &o))
    return 2;
  int rc = 1;
  xb_err err;
  xb_sar *s = NULL;
  xbx_file *f = NULL;
  size_t codes = (size_t)1 << o.bits;
  /* dnl, inl: scratch; d0, i0: instance 0; sums and sums of squares. */
  double *buf = calloc(10 * codes, sizeof(double));
  if (!buf) {
    fprintf(stderr, PROG ": out of memory\n");
    return 1;
  }
  double *dnl = buf, *inl = dnl + codes, *d0 = inl + codes, *i0 = d0 + codes;
  double *sd = i0 + codes, *sd2 = sd + codes, *si = sd2 + codes;
  double *si2 = si + codes, *md = si2 + codes, *mi = md + codes;
  double t0 = xbx_now();

  /* (c) The ideal ADC. */
  xb_sar_params p;
  xb_param_defaults(&xb_sar_param_set, &p);
  p.bits = o.bits;
  s = xb_sar_create(&p, 1, &err);
  if (!s || xb_sar_code_density(s, o.per_lsb, NULL, dnl, inl, &err))
    goto fail;
  xb_sar_free(s);
  s = NULL;
  double ideal_inl = 0, ideal_dnl = 0;
  for (size_t c = 0; c < codes; c++) {
    ideal_inl = fmax(ideal_inl, fabs(inl[c]));
    ideal_dnl = fmax(ideal_dnl, fabs(dnl[c]));
  }

  /* (a), (b) The Monte Carlo; instance 0 is the one shown. */
  p.sigma_cu = o.sigma;
  double last = t0;
  for (int k = 0; k < o.instances; k++) {
    s = xb_sar_create(&p, 1000 + (uint64_t)k, &err);
    if (!s || xb_sar_code_density(s, o.per_lsb, NULL, dnl, inl, &err))
      goto fail;
    xb_sar_free(s);
    s = NULL;
    if (k == 0) {
      memcpy(d0, dnl, codes * sizeof *d0);
      memcpy(i0, inl, codes * sizeof *i0);
    }
    for (size_t c = 0; c < codes; c++) {
      sd[c] += dnl[c];
      sd2[c] += dnl[c] * dnl[c];
      si[c] += inl[c];
      si2[c] += inl[c] * inl[c];
    }
    double t = xbx_now();
    if (t - last > 0.5 || k + 1 == o.instances) {
      last = t;
      fprintf(stderr, "\r  " PROG ": %d / %d instances, ETA %.0f s   ",
              k + 1, o.instances,
              (t - t0) / (k + 1) * (o.instances - k - 1));
    }
  }
  fprintf(stderr, "\n");

  /* Sample means and sigmas (K - 1); ratios to the analytic sigma. */
  double K = o.instances, P = o.per_lsb;
  double q_inl = 1 / (12 * P * P), q_dnl = 1 / (6 * P * P); /* rounding */
  double inst_inl = 0, inst_dnl = 0, num_i = 0, den_i = 0, num_d = 0,
         den_d = 0;
  for (size_t c = 0; c < codes; c++) {
    md[c] = sd[c] / K;
    mi[c] = si[c] / K;
    sd[c] = sqrt(fmax(sd2[c] - K * md[c] * md[c], 0.0) / (K - 1));
    si[c] = sqrt(fmax(si2[c] - K * mi[c] * mi[c], 0.0) / (K - 1));
    if (c > 0) {
      double ai = o.sigma * inl_sigma(c, codes);
      num_i += si[c] * si[c];
      den_i += ai * ai + q_inl;
    }
    if (c > 0 && c + 1 < codes) {
      double ad = o.sigma * dnl_sigma(c, codes);
      num_d += sd[c] * sd[c];
      den_d += ad * ad + q_dnl;
    }
    inst_inl = fmax(inst_inl, fabs(i0[c]));
    inst_dnl = fmax(inst_dnl, fabs(d0[c]));
  }
  size_t cmi = codes / 2, cmd = codes / 2 - 1;
  double a_inl = o.sigma * inl_sigma(cmi, codes);
  double a_dnl = o.sigma * dnl_sigma(cmd, codes);
  double r_inl = a_inl > 0 ? si[cmi] / a_inl : NAN;
  double r_dnl = a_dnl > 0 ? sd[cmd] / a_dnl : NAN;
  /* Without mismatch nothing is random and the ratios mean nothing. */
  double rr_inl = o.sigma > 0 ? sqrt(num_i / den_i) : NAN;
  double rr_dnl = o.sigma > 0 && den_d > 0 ? sqrt(num_d / den_d) : NAN;
  double seconds = xbx_now() - t0;

  char csv[1024], png[1024];
  f = xbx_open_outputs(o.out, PROG, csv, png, sizeof csv);
  if (!f)
    goto done;
  fprintf(f->fp,
          "# " PROG ": %d-bit SAR ADC, unit-capacitor sigma %g, %d "
          "instances, %d samples per LSB; INL and DNL in LSB; instance = "
          "seed 1000; analytic sigmas from the linearised DAC (see the "
          "program's header)\n",
          o.bits, o.sigma, o.instances, o.per_lsb);
  fprintf(f->fp, "code,dnl_inst,inl_inst,mean_dnl_mc,sigma_dnl_mc,"
                 "sigma_dnl_analytic,sigma_dnl_rounded,mean_inl_mc,"
                 "sigma_inl_mc,sigma_inl_analytic,sigma_inl_rounded\n");
  for (size_t c = 0; c < codes; c++) {
    double ad = o.sigma * dnl_sigma(c, codes);
    double ai = o.sigma * inl_sigma(c, codes);
    int md_ok = c > 0 && c + 1 < codes, mi_ok = c > 0; /* measured */
    fprintf(f->fp, "%zu,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n",
            c, d0[c], i0[c], md[c], sd[c], ad,
            md_ok ? sqrt(ad * ad + q_dnl) : 0.0, mi[c], si[c], ai,
            mi_ok ? sqrt(ai * ai + q_inl) : 0.0);
  }
  int fail = xbx_file_commit(f);
  f = NULL;
  if (fail)
    goto done;
  char vars[2400];
  snprintf(vars, sizeof vars, "csv='%s'; bits=%d; sig=%.17g; inst=%d; per=%d",
           csv, o.bits, o.sigma, o.instances, o.per_lsb);
  if (xbx_gnuplot(o.gp, vars, png))
    goto done;

  printf("%d-bit SAR ADC, unit-capacitor sigma %g, %d instances, %d samples "
         "per LSB\n",
         o.bits, o.sigma, o.instances, o.per_lsb);
  printf("  instance (seed 1000)   max |INL| %.4f LSB, max |DNL| %.4f LSB\n",
         inst_inl, inst_dnl);
  printf("  mid-scale INL(%zu)    sigma %.4f LSB, analytic %.4f: ratio %.3f\n",
         cmi, si[cmi], a_inl, r_inl);
  printf("  mid-scale DNL(%zu)    sigma %.4f LSB, analytic %.4f: ratio %.3f\n",
         cmd, sd[cmd], a_dnl, r_dnl);
  printf("  RMS over codes         sigma ratio INL %.3f, DNL %.3f (analytic "
         "with the %d-per-LSB rounding)\n",
         rr_inl, rr_dnl, o.per_lsb);
  printf("  ideal ADC              max |INL| %g, max |DNL| %g\n", ideal_inl,
         ideal_dnl);
  printf("wrote %s\nwrote %s\n", csv, png);
  char j[4][32];
  printf("{\"experiment\":\"" PROG "\",\"bits\":%d,\"sigma_cu\":%g,"
         "\"instances\":%d,\"per_lsb\":%d,\"inl_sigma_mid\":%.6g,"
         "\"inl_sigma_mid_analytic\":%.6g,\"inl_ratio_mid\":%s,"
         "\"dnl_sigma_mid\":%.6g,\"dnl_sigma_mid_analytic\":%.6g,"
         "\"dnl_ratio_mid\":%s,\"inl_ratio_rms\":%s,\"dnl_ratio_rms\":%s,"
         "\"instance_max_inl\":%.6g,\"instance_max_dnl\":%.6g,"
         "\"ideal_max_inl\":%g,\"ideal_max_dnl\":%g,\"seconds\":%.3g}\n",
         o.bits, o.sigma, o.instances, o.per_lsb, si[cmi], a_inl,
         jnum(j[0], 32, "%.4f", r_inl), sd[cmd], a_dnl,
         jnum(j[1], 32, "%.4f", r_dnl), jnum(j[2], 32, "%.4f", rr_inl),
         jnum(j[3], 32, "%.4f", rr_dnl), inst_inl, inst_dnl, ideal_inl,
         ideal_dnl, seconds);
  rc = 0;
  goto done;
fail:
  fprintf(stderr, PROG ": %s\n", err.msg);
done:
  xbx_file_abort(f);
  xb_sar_free(s);
  free(buf);
  return rc;
}
