/*
 * sar_inl_dnl: code-density INL and DNL of the behavioral SAR ADC
 * (xbar/mvm.h; TIMON's column ADC, seed 003 section 6.6.2) and their
 * spread under unit-capacitor mismatch against the analytic sigma.
 *
 * Measurement (xb_sar_code_density): a ramp of --per-lsb samples per LSB
 * over the full scale; the transition into code c, T(c), is where the
 * cumulative count of the codes below c ends. INL(c) = T(c) - c, DNL(c) =
 * T(c + 1) - T(c) - 1 (codes 0 and 2^n - 1 report 0), in LSB, with no
 * end-point or gain correction. Reported: (a) one instance (seed 1000),
 * (b) the sample sigma of INL and DNL per code over --instances instances
 * (seeds 1000, 1001, ...) against the analytic sigma, at mid-scale
 * (INL(2^(n-1)), DNL(2^(n-1) - 1)) and as an RMS ratio over all codes,
 * (c) the ideal ADC (sigma_cu = 0), whose |INL| and |DNL| must be 0.
 *
 * Analytic sigma. Unit u (N = 2^n of them) is c_unit (1 + e_u), e_u
 * independent with sigma s. A code c switches a set S_c of c units, so to
 * first order INL(c) = sum_{S_c} e_u - (c/N) sum_all e_u and
 *   var INL(c) = s^2 c (N - c) / N.
 * If c ends in j ones, c + 1 swaps capacitors 0 .. j-1 (2^j - 1 units) for
 * capacitor j (2^j units), so
 *   var DNL(c) = s^2 (2^(j+1) - 1 - 1/N):
 * s sqrt(1 - 1/N) for even c, ~ s sqrt(2^n - 1) at c = 2^(n-1) - 1.
 * The code density puts each transition on the 1/P LSB grid (P = per_lsb):
 * variance 1 / (12 P^2) for INL, 1 / (6 P^2) for DNL, which matters for
 * the small DNL sigma of even codes (about 3% on the RMS ratio at P = 64).
 * The RMS ratios use the analytic sigma with this rounding added, the
 * mid-scale ratios the pure one; the CSV gives both.
 *
 * Output: <out>/sar_inl_dnl.csv (per code), <out>/sar_inl_dnl.png
 * (plots/sar_inl_dnl.gp), progress on stderr, a summary and a final JSON
 * line on stdout. The default run takes about a second.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xbar/xbar.h>

#include "exp_util.h"

static const xbx_prog prog = {
  "sar_inl_dnl",
  "code-density INL and DNL of the SAR ADC under capacitor mismatch",
  "Measures INL and DNL per code by a code-density ramp, for one ideal ADC, "
  "and for --instances ADCs whose unit capacitors have relative sigma "
  "--sigma; compares the Monte Carlo sigma per code with the linearised "
  "analytic sigma, var INL(c) = s^2 c (N - c) / N and var DNL(c) = s^2 "
  "(2^(j+1) - 1 - 1/N) for a code ending in j ones.",
  "sar_inl_dnl.csv one line per code: instance, Monte Carlo and analytic "
  "INL and DNL (LSB)\n"
  "sar_inl_dnl.png plots/sar_inl_dnl.gp\n"
  "stdout a summary and a final JSON line",
  "sar_inl_dnl --bits 10 --instances 100 --out /tmp/sar"};

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

/* INL and DNL of the ADC of p and seed into inl, dnl. */
static int measure(const xb_sar_params *p, uint64_t seed, int per_lsb,
                   double *dnl, double *inl, xb_err *err)
{
  xb_sar *s = xb_sar_create(p, seed, err);
  int rc = !s || xb_sar_code_density(s, per_lsb, NULL, dnl, inl, err);
  xb_sar_free(s);
  return rc;
}

int main(int argc, char **argv)
{
  int bits = 8, instances = 400, per_lsb = 64;
  double sigma = 0.01;
  const char *outdir = XB_SOURCE_DIR "/plots";
  XBX_PARSE(prog,
    XBX_INT("bits", &bits, "", 2, 14, "resolution in bits"),
    XBX_DOUBLE("sigma", &sigma, "", 0, 0.5,
               "relative sigma of each unit capacitor"),
    XBX_INT("instances", &instances, "", 2, 1000000,
            "Monte Carlo instances"),
    XBX_INT("per-lsb", &per_lsb, "", 1, 4096, "ramp samples per LSB"),
    XBX_STR("out", &outdir, "DIR", "output folder"));
  xb_err err;
  size_t codes = (size_t)1 << bits;
  /* dnl, inl: scratch; d0, i0: instance 0; sums and sums of squares. */
  double *buf = calloc(10 * codes, sizeof(double));
  if (!buf) {
    fprintf(stderr, "%s: out of memory\n", prog.name);
    return 1;
  }
  double *dnl = buf, *inl = dnl + codes, *d0 = inl + codes, *i0 = d0 + codes;
  double *sd = i0 + codes, *sd2 = sd + codes, *si = sd2 + codes;
  double *si2 = si + codes, *md = si2 + codes, *mi = md + codes;
  double t0 = xbx_now(), last = t0;

  /* (c) The ideal ADC, then (a), (b) the Monte Carlo. */
  xb_sar_params p;
  xb_param_defaults(&xb_sar_param_set, &p);
  p.bits = bits;
  if (measure(&p, 1, per_lsb, dnl, inl, &err))
    goto fail;
  double ideal_inl = 0, ideal_dnl = 0;
  for (size_t c = 0; c < codes; c++) {
    ideal_inl = fmax(ideal_inl, fabs(inl[c]));
    ideal_dnl = fmax(ideal_dnl, fabs(dnl[c]));
  }
  p.sigma_cu = sigma;
  for (int k = 0; k < instances; k++) {
    if (measure(&p, 1000 + (uint64_t)k, per_lsb, dnl, inl, &err))
      goto fail;
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
    if (t - last > 0.5 || k + 1 == instances) {
      last = t;
      fprintf(stderr, "\r  %s: %d / %d instances, ETA %.0f s   ", prog.name,
              k + 1, instances, (t - t0) / (k + 1) * (instances - k - 1));
    }
  }
  fprintf(stderr, "\n");

  /* Sample means and sigmas (K - 1); ratios to the analytic sigma. */
  double K = instances, P = per_lsb;
  double q_inl = 1 / (12 * P * P), q_dnl = 1 / (6 * P * P); /* rounding */
  double inst_inl = 0, inst_dnl = 0, num_i = 0, den_i = 0, num_d = 0,
         den_d = 0;
  for (size_t c = 0; c < codes; c++) {
    md[c] = sd[c] / K;
    mi[c] = si[c] / K;
    sd[c] = sqrt(fmax(sd2[c] - K * md[c] * md[c], 0.0) / (K - 1));
    si[c] = sqrt(fmax(si2[c] - K * mi[c] * mi[c], 0.0) / (K - 1));
    double ai = sigma * inl_sigma(c, codes), ad = sigma * dnl_sigma(c, codes);
    if (c > 0) {
      num_i += si[c] * si[c];
      den_i += ai * ai + q_inl;
    }
    if (c > 0 && c + 1 < codes) {
      num_d += sd[c] * sd[c];
      den_d += ad * ad + q_dnl;
    }
    inst_inl = fmax(inst_inl, fabs(i0[c]));
    inst_dnl = fmax(inst_dnl, fabs(d0[c]));
  }
  size_t cmi = codes / 2, cmd = codes / 2 - 1;
  double a_inl = sigma * inl_sigma(cmi, codes);
  double a_dnl = sigma * dnl_sigma(cmd, codes);
  double r_inl = a_inl > 0 ? si[cmi] / a_inl : NAN;
  double r_dnl = a_dnl > 0 ? sd[cmd] / a_dnl : NAN;
  /* Without mismatch nothing is random and the ratios mean nothing. */
  double rr_inl = sigma > 0 ? sqrt(num_i / den_i) : NAN;
  double rr_dnl = sigma > 0 && den_d > 0 ? sqrt(num_d / den_d) : NAN;
  double seconds = xbx_now() - t0;

  printf("%d-bit SAR ADC, unit-capacitor sigma %g, %d instances, %d samples "
         "per LSB\n", bits, sigma, instances, per_lsb);
  printf("  instance (seed 1000)   max |INL| %.4f LSB, max |DNL| %.4f LSB\n",
         inst_inl, inst_dnl);
  printf("  mid-scale INL(%zu)    sigma %.4f LSB, analytic %.4f: ratio %.3f\n",
         cmi, si[cmi], a_inl, r_inl);
  printf("  mid-scale DNL(%zu)    sigma %.4f LSB, analytic %.4f: ratio %.3f\n",
         cmd, sd[cmd], a_dnl, r_dnl);
  printf("  RMS over codes         sigma ratio INL %.3f, DNL %.3f (analytic "
         "with the %d-per-LSB rounding)\n", rr_inl, rr_dnl, per_lsb);
  printf("  ideal ADC              max |INL| %g, max |DNL| %g\n", ideal_inl,
         ideal_dnl);

  xbx_out *out = xbx_out_create(prog.name, outdir);
  FILE *f = xbx_out_open(out, "sar_inl_dnl.csv", "# sar_inl_dnl: %d-bit SAR "
                         "ADC, unit-capacitor sigma %g, %d instances, %d "
                         "samples per LSB; INL and DNL in LSB; instance = "
                         "seed 1000; analytic sigmas from the linearised DAC "
                         "(see the program's header)\ncode,dnl_inst,inl_inst,"
                         "mean_dnl_mc,sigma_dnl_mc,sigma_dnl_analytic,"
                         "sigma_dnl_rounded,mean_inl_mc,sigma_inl_mc,"
                         "sigma_inl_analytic,sigma_inl_rounded\n",
                         bits, sigma, instances, per_lsb);
  if (!f) {
    xbx_out_free(out);
    free(buf);
    return 1;
  }
  for (size_t c = 0; c < codes; c++) {
    double ad = sigma * dnl_sigma(c, codes), ai = sigma * inl_sigma(c, codes);
    int md_ok = c > 0 && c + 1 < codes, mi_ok = c > 0; /* measured */
    fprintf(f, "%zu,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n", c,
            d0[c], i0[c], md[c], sd[c], ad,
            md_ok ? sqrt(ad * ad + q_dnl) : 0.0, mi[c], si[c], ai,
            mi_ok ? sqrt(ai * ai + q_inl) : 0.0);
  }
  xbx_out_plot(out, "sar_inl_dnl", "bits=%d; sig=%.17g; inst=%d; per=%d",
               bits, sigma, instances, per_lsb);
  int rc = xbx_out_end(out, 0,
                   "experiment=%s bits=%d sigma_cu=%g instances=%d "
                   "per_lsb=%d inl_sigma_mid=%.6g "
                   "inl_sigma_mid_analytic=%.6g inl_ratio_mid=%.4f "
                   "dnl_sigma_mid=%.6g dnl_sigma_mid_analytic=%.6g "
                   "dnl_ratio_mid=%.4f inl_ratio_rms=%.4f "
                   "dnl_ratio_rms=%.4f instance_max_inl=%.6g "
                   "instance_max_dnl=%.6g ideal_max_inl=%g "
                   "ideal_max_dnl=%g seconds=%.3g",
                   prog.name, bits, sigma, instances, per_lsb, si[cmi],
                   a_inl, r_inl, sd[cmd], a_dnl, r_dnl, rr_inl, rr_dnl,
                   inst_inl, inst_dnl, ideal_inl, ideal_dnl, seconds);
  free(buf);
  return rc;
fail:
  fprintf(stderr, "%s: %s\n", prog.name, err.msg);
  free(buf);
  return 1;
}
