/*
 * RRAM device models, their variation, and cell storage.
 *
 * A device model is a `static const xb_device_type` shared by all instances
 * (pattern: GSL's gsl_odeiv2_step_type). The model is pure physics: from a
 * per-cell state vector it gives the conductance, moves the state by a
 * (fractional, signed) number of pulses, and inverts a conductance back to a
 * state. The generic layer (xb_device, xb_cells) does everything else: the
 * write threshold, pulse amplitude and width, variation, stuck cells, read
 * noise and the loop over cells.
 *
 * Built-in models (seed 000 section 2.2, Eq. 2.1/2.2; SPEC section 1):
 *   xb_device_exp        exponential LTP/LTD of Eq. 2.1/2.2, state = pulse
 *                        coordinate x on the current branch:
 *                          G_LTP(x) = B_p (1 - exp(-x/A_p)) + Gmin
 *                          G_LTD(x) = Gmax - B_d (1 - exp((x - xmax)/A_d))
 *                          B = (Gmax - Gmin) / (1 - exp(-xmax/A))
 *                        A comes from the parameters or from a NeuroSim-style
 *                        nonlinearity label (xb_exp_a_from_nl).
 *   xb_device_linear     G = Gmin + (Gmax - Gmin) x / xmax.
 *   xb_device_softbounds dG/dn = (Gmax - G)/tau_ltp up, -(G - Gmin)/tau_ltd
 *                        down (the soft-bounds model of aihwkit), exact for
 *                        fractional n.
 *   xb_device_lut        measured (pulse, G) curves for LTP and LTD with
 *                        monotone (Fritsch-Carlson) or linear interpolation.
 *
 * Units are SI throughout: S, V, s, F; pulse counts are "pulses".
 *
 * Write threshold (SPEC section 1): a pulse of amplitude V moves the state by
 *   n = rate(V) * width / t_pulse   pulses,   sign(n) = sign(V)
 * with rate = 0 for |V| <= Vw/2 always (the V/2 scheme relies on it) and,
 * between Vw/2 and Vw, one of (parameter `response`):
 *   0 step:        rate = 1 for |V| >= step_frac * Vw, else 0 (default,
 *                  step_frac = 0.75, so IR drop of a few percent neither
 *                  stops a full write nor lets a half-select disturb);
 *   1 linear:      rate = (|V| - Vw/2) / (Vw/2), 1 at and above Vw;
 *   2 exponential: rate = exp((|V| - Vw) / v0) above Vw/2 (overdrive > 1),
 *                  the voltage acceleration of filamentary switching.
 * Positive V potentiates (LTP, threshold vw_set), negative V depresses
 * (LTD, threshold vw_reset).
 */
#ifndef XBAR_DEVICE_H
#define XBAR_DEVICE_H

#include <stddef.h>
#include <stdint.h>
#include <xbar/error.h>
#include <xbar/param.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- parameter sets (each one X-macro list; see param.h) --------------- */

/* Electrical behaviour common to every model: write threshold and pulse,
 * read I-V and cell capacitance. Section [electrical]. */
#define XB_ELEC_PARAMS(X)                                                     \
  X(double, vw_set, "V", 2.0, 1e-3, 100.0,                                    \
    "full write voltage for potentiation (LTP, V > 0)")                       \
  X(double, vw_reset, "V", 2.0, 1e-3, 100.0,                                  \
    "full write voltage magnitude for depression (LTD, V < 0)")               \
  X(double, t_pulse, "s", 1e-3, 1e-15, 1e3,                                   \
    "width of one full pulse: width t at full Vw moves t/t_pulse pulses")     \
  X(int, response, "1", 0, 0, 2,                                              \
    "response between Vw/2 and Vw: 0 step, 1 linear, 2 exponential")          \
  X(double, step_frac, "1", 0.75, 0.5, 1.0,                                   \
    "step response: full at |V| >= step_frac*Vw, none below")                 \
  X(double, v0, "V", 0.1, 1e-3, 10.0,                                         \
    "exponential response: rate exp((|V|-Vw)/v0) above Vw/2")                 \
  X(int, iv, "1", 0, 0, 1,                                                    \
    "read I-V: 0 ohmic I = G V, 1 sinh I = G v_iv sinh(V/v_iv)")              \
  X(double, v_iv, "V", 0.5, 1e-3, 100.0, "voltage scale of the sinh I-V")     \
  X(double, cr, "F", 0.0, 0.0, 1e-9, "cell capacitance, parallel to the cell")

typedef struct xb_elec_params {
  XB_PARAM_STRUCT(XB_ELEC_PARAMS)
} xb_elec_params;
extern const xb_param_set xb_elec_param_set;

/* Variation (SPEC section 1). Section [variation]. All zero = ideal. */
#define XB_VAR_PARAMS(X)                                                      \
  X(double, d2d_g, "1", 0.0, 0.0, 2.0,                                        \
    "device-to-device: lognormal sigma of each cell's conductance scale")     \
  X(double, d2d_nl, "1", 0.0, 0.0, 2.0,                                       \
    "device-to-device: lognormal sigma of each cell's nonlinearity factor")   \
  X(double, c2c, "1", 0.0, 0.0, 1.0,                                          \
    "cycle-to-cycle: sigma of dG per pulse / (Gmax-Gmin); n pulses: sqrt(n)") \
  X(double, read, "1", 0.0, 0.0, 1.0,                                         \
    "read noise: relative sigma of every read current")                       \
  X(double, stuck_gmin, "1", 0.0, 0.0, 1.0, "fraction of cells stuck at Gmin") \
  X(double, stuck_gmax, "1", 0.0, 0.0, 1.0, "fraction of cells stuck at Gmax")

typedef struct xb_var_params {
  XB_PARAM_STRUCT(XB_VAR_PARAMS)
} xb_var_params;
extern const xb_param_set xb_var_param_set;

/* Exponential LTP/LTD model (Eq. 2.1/2.2). Section [model]. Defaults are the
 * PCMO device of Park et al. 2013 as tabulated by NeuroSim. A = 0 means
 * "derive A from the label nl_*" (xb_exp_a_from_nl). */
#define XB_EXP_PARAMS(X)                                                      \
  X(double, gmin, "S", 6.356471e-9, 1e-15, 1.0, "minimum conductance")        \
  X(double, gmax, "S", 4.347826e-8, 1e-15, 1.0, "maximum conductance")        \
  X(double, levels, "pulses", 50.0, 1.0, 1e9,                                 \
    "pulses from Gmin to Gmax (x_max)")                                       \
  X(double, a_ltp, "pulses", 0.0, 0.0, 1e12,                                  \
    "LTP curvature A_p; 0: derive from nl_ltp")                               \
  X(double, a_ltd, "pulses", 0.0, 0.0, 1e12,                                  \
    "LTD curvature A_d; 0: derive from nl_ltd")                               \
  X(double, nl_ltp, "1", 3.68, -9.9, 9.9,                                     \
    "LTP nonlinearity label (10 x max normalised deviation from a line)")     \
  X(double, nl_ltd, "1", -6.76, -9.9, 9.9,                                    \
    "LTD nonlinearity label (sign: NeuroSim convention, negative for LTD)")

typedef struct xb_exp_params {
  XB_PARAM_STRUCT(XB_EXP_PARAMS)
} xb_exp_params;
extern const xb_param_set xb_exp_param_set;

/* Linear model. Section [model]. */
#define XB_LINEAR_PARAMS(X)                                                   \
  X(double, gmin, "S", 1e-8, 1e-15, 1.0, "minimum conductance")               \
  X(double, gmax, "S", 1e-7, 1e-15, 1.0, "maximum conductance")               \
  X(double, levels, "pulses", 50.0, 1.0, 1e9, "pulses from Gmin to Gmax")

typedef struct xb_linear_params {
  XB_PARAM_STRUCT(XB_LINEAR_PARAMS)
} xb_linear_params;
extern const xb_param_set xb_linear_param_set;

/* Soft-bounds model. Section [model]. */
#define XB_SOFTBOUNDS_PARAMS(X)                                               \
  X(double, gmin, "S", 1e-8, 1e-15, 1.0, "minimum conductance")               \
  X(double, gmax, "S", 1e-7, 1e-15, 1.0, "maximum conductance")               \
  X(double, tau_ltp, "pulses", 20.0, 1e-3, 1e9,                               \
    "potentiation constant: dG/dn = (Gmax - G)/tau_ltp")                      \
  X(double, tau_ltd, "pulses", 20.0, 1e-3, 1e9,                               \
    "depression constant: dG/dn = -(G - Gmin)/tau_ltd")

typedef struct xb_softbounds_params {
  XB_PARAM_STRUCT(XB_SOFTBOUNDS_PARAMS)
} xb_softbounds_params;
extern const xb_param_set xb_softbounds_param_set;

/* Lookup-table model. Section [model]; the curves are model data. */
#define XB_LUT_PARAMS(X)                                                      \
  X(int, interp, "1", 0, 0, 1,                                                \
    "interpolation: 0 monotone cubic (Fritsch-Carlson), 1 linear")

typedef struct xb_lut_params {
  XB_PARAM_STRUCT(XB_LUT_PARAMS)
} xb_lut_params;
extern const xb_param_set xb_lut_param_set;

/* Measured pulse responses for xb_device_lut (the arrays are copied).
 * LTP: conductance after p_ltp[k] potentiating pulses from the low state,
 * p_ltp strictly increasing, g_ltp strictly increasing. LTD: conductance
 * after p_ltd[k] depressing pulses from the high state, p_ltd strictly
 * increasing, g_ltd strictly decreasing. At least 2 points each. */
typedef struct xb_lut_data {
  const double *p_ltp, *g_ltp;
  size_t n_ltp;
  const double *p_ltd, *g_ltd;
  size_t n_ltd;
} xb_lut_data;

/* Read a table file: a header line `branch,pulse,conductance`, then rows
 * `ltp,<pulses>,<S>` and `ltd,<pulses>,<S>`; '#' starts a comment line.
 * On success *out holds arrays that xb_lut_data_free releases. */
int xb_lut_data_read(const char *path, xb_lut_data *out, xb_err *err);
void xb_lut_data_free(xb_lut_data *d);

/* ---- model type descriptor ---------------------------------------------- */

/* Maximum state doubles per cell of any model. */
#define XB_DEVICE_MAX_STATE 2

typedef struct xb_device_type {
  const char *name;            /* "exp", "linear", "softbounds", "lut" */
  const char *desc;            /* one line */
  const xb_param_set *params;  /* the model's parameter table */
  unsigned nstate;             /* state doubles per cell, <= MAX_STATE */

  /* Required. Build the immutable model (derived constants, tables) from
   * checked params and optional type-specific data; *model is released
   * with free() unless `release` is set. */
  int (*prepare)(const void *params, const void *data, void **model,
                 xb_err *err);
  /* Required. Conductance range of the nominal device. */
  void (*bounds)(const void *model, double *gmin, double *gmax);
  /* Required. Conductance of state s. `shape` is the cell's
   * device-to-device nonlinearity factor (1 nominal); models without a
   * shape parameter ignore it. */
  double (*g)(const void *model, double shape, const double *s);
  /* Required. Set s to the state whose conductance is g (clamped into the
   * range); keeps any branch information s already holds. */
  void (*set_g)(const void *model, double shape, double g, double *s);
  /* Required. Move s by n pulses: n > 0 potentiates, n < 0 depresses;
   * fractional n are exact partial pulses; the state saturates at the
   * bounds. */
  void (*pulse)(const void *model, double shape, double n, double *s);

  /* Optional. Release a model built by prepare (NULL: free()). */
  void (*release)(void *model);
  /* Optional. Nonlinear read current and its derivative at voltage v; NULL
   * uses the generic I-V of the electrical parameters. g is the cell's
   * (scaled) conductance. */
  void (*iv)(const void *model, double g, double v, double *i, double *didv);

  /* Optional, for models built from type-specific data (the lut tables).
   * Copy `data` (non-NULL) into one allocation *out, released with free():
   * the device keeps it for xb_device_with_variation. NULL: data goes to
   * prepare as given and is not kept. */
  int (*copy_data)(const void *data, void **out, xb_err *err);
  /* Optional. Read the model's data from the file that a device .ini
   * names with `table =`, into one allocation released with free() (the
   * same object copy_data makes). NULL: the type takes no table; set: a
   * device file of this type must name one. */
  int (*load_data)(const char *path, void **out, xb_err *err);
  /* Optional. Pulses of a full sweep from Gmin to Gmax, for models that
   * have such a count (NULL: the model has none). */
  double (*levels)(const void *model);
  /* Optional. Derived values for xb_device_describe (lines ending in a
   * newline), snprintf semantics. */
  size_t (*describe)(const void *model, char *buf, size_t n);
} xb_device_type;

extern const xb_device_type *const xb_device_exp;
extern const xb_device_type *const xb_device_linear;
extern const xb_device_type *const xb_device_softbounds;
extern const xb_device_type *const xb_device_lut;

/* The built-in type called `name`, or NULL. */
const xb_device_type *xb_device_type_find(const char *name);

/* ---- device: a model type with parameters ------------------------------- */

typedef struct xb_device xb_device;

/* Create a device. `params` is the model's struct (NULL: its defaults);
 * `data` is type-specific (xb_lut_data for the lut model, else NULL); `el`
 * and `var` NULL mean defaults and no variation. Everything is copied and
 * checked; returns NULL and fills err on failure. */
xb_device *xb_device_create(const xb_device_type *type, const void *params,
                            const void *data, const xb_elec_params *el,
                            const xb_var_params *var, xb_err *err);

/* Create a device from an .ini file:
 *   [device]     type = exp | linear | softbounds | lut
 *                table = file.csv   (types with load_data, i.e. lut; relative
 *                                    to the .ini's folder)
 *   [model]      the model's parameters
 *   [electrical] xb_elec_params
 *   [variation]  xb_var_params
 * Keys not given keep their defaults. Returns NULL and fills err (with file
 * and line) on failure. */
xb_device *xb_device_load(const char *path, xb_err *err);

/* Copy of d with other variation parameters (NULL: none). */
xb_device *xb_device_with_variation(const xb_device *d,
                                    const xb_var_params *var, xb_err *err);

/* The straight-response twin of d: a new linear device with d's
 * conductance range (xb_device_bounds), pulse count (xb_device_levels),
 * electrical parameters and variation, so that it differs from d only in
 * the shape of its pulse response (G after k pulses from Gmin is
 * Gmin + k (Gmax - Gmin) / levels). The caller frees it with
 * xb_device_free. NULL and err: XB_EINVAL for NULL d, XB_ETYPE when d's
 * model has no pulse count (softbounds, lut). */
xb_device *xb_device_straight(const xb_device *d, xb_err *err);

/* Free; NULL is a no-op. Cells made from d must be freed first. */
void xb_device_free(xb_device *d);

const char *xb_device_name(const xb_device *d);
const xb_device_type *xb_device_type_of(const xb_device *d);
const void *xb_device_params(const xb_device *d);
const xb_elec_params *xb_device_elec(const xb_device *d);
const xb_var_params *xb_device_variation(const xb_device *d);
void xb_device_bounds(const xb_device *d, double *gmin, double *gmax);
/* Pulses of a full sweep from Gmin to Gmax (the `levels` of the exp and
 * linear models), or 0 for a model without such a count. */
double xb_device_levels(const xb_device *d);

/* Signed pulse rate at voltage v (see the threshold rule above): pulses per
 * t_pulse of width; 0 for |v| <= Vw/2 and for NaN. */
double xb_device_rate(const xb_device *d, double v);

/* Text description of the device: type, every parameter with unit and
 * range, and the derived values its model gives (A, B of the exp model).
 * snprintf semantics. */
size_t xb_device_describe(const xb_device *d, char *buf, size_t n);

/* ---- cells: structure-of-arrays storage -------------------------------- */

typedef struct xb_cells xb_cells;

enum xb_stuck { XB_STUCK_NONE = 0, XB_STUCK_GMIN = 1, XB_STUCK_GMAX = 2 };

/* n cells of device d, all at Gmin (stuck ones at their value). Per-cell
 * device-to-device factors and stuck faults are drawn here from streams
 * keyed by (seed, cell index), so they do not depend on n or on any order.
 * d must outlive the cells. NULL and err on failure. */
xb_cells *xb_cells_create(const xb_device *d, size_t n, uint64_t seed,
                          xb_err *err);
void xb_cells_free(xb_cells *c);

size_t xb_cells_count(const xb_cells *c);
const xb_device *xb_cells_device(const xb_cells *c);

/* The n conductances (S), kept current by every call that changes a cell.
 * Owned by c. */
const double *xb_cells_g(const xb_cells *c);

/* Per-cell factors: conductance scale and nonlinearity shape (1 nominal),
 * and stuck state (enum xb_stuck). Index must be < count. */
double xb_cells_gscale(const xb_cells *c, size_t i);
double xb_cells_shape(const xb_cells *c, size_t i);
int xb_cells_stuck(const xb_cells *c, size_t i);

/* Copy cell i's model state into s[XB_DEVICE_MAX_STATE]. */
void xb_cells_state(const xb_cells *c, size_t i, double *s);

/* Program cell i (or every cell) to conductance g (S), clamped to the cell's
 * range; stuck cells keep their value. XB_EINVAL for a bad index or a
 * non-finite g, with nothing changed. */
int xb_cells_set_g(xb_cells *c, size_t i, double g, xb_err *err);
int xb_cells_reset(xb_cells *c, double g, xb_err *err);

/* Apply `count` identical pulses of amplitude v (V) and width (s) to cell i.
 * The state moves by count * rate(v) * width / t_pulse pulses; with
 * cycle-to-cycle variation the resulting conductance gets noise of sigma
 * c2c * (Gmax - Gmin) * sqrt(|pulses|), one draw per call from the stream
 * (seed, cell i) at the cell's own event counter. XB_EINVAL (nothing
 * changed) for a bad index, non-finite v or width, or width < 0. */
int xb_cells_pulse(xb_cells *c, size_t i, double v, double width,
                   unsigned count, xb_err *err);

/* Parallel write: cell k gets one pulse of amplitude v[k] and the common
 * width. Same result as calling xb_cells_pulse for each k in any order.
 * All inputs are checked before any cell changes. */
int xb_cells_pulse_all(xb_cells *c, const double *v, double width,
                       xb_err *err);

/* Noise-free read current of cell i at voltage v and dI/dV (either output
 * pointer may be NULL). */
int xb_cells_iv(const xb_cells *c, size_t i, double v, double *current,
                double *didv, xb_err *err);

/* Read current with read noise: I * (1 + read * N(0,1)), the normal drawn
 * from stream (seed, cell i) at position `event`, so the same event gives
 * the same noise. */
int xb_cells_read(const xb_cells *c, size_t i, double v, uint64_t event,
                  double *current, xb_err *err);

/* ---- fitter -------------------------------------------------------------- */

/* Result of fitting G(p) = g0 + dir * b * (1 - exp(-p/a)) to a pulse
 * response: LTP data give dir = +1 and g0 = Gmin; LTD data, with p counted
 * from the start of depression, give dir = -1 and g0 = Gmax (Eq. 2.2 with
 * x = xmax - p). */
typedef struct xb_exp_fit {
  double a;    /* curvature A (pulses) */
  double b;    /* amplitude B (S), > 0 */
  double g0;   /* start conductance (S) */
  int dir;     /* +1 potentiation, -1 depression */
  double rms;  /* rms residual (S) */
} xb_exp_fit;

/* Least-squares fit of (p[k], g[k]), k < n, n >= 4, by variable projection:
 * for each a the best b and g0 are linear; a is found by a log-spaced scan
 * and golden-section refinement over [1e-3, 1e3] x max(p). XB_EDATA when the
 * data are too few, not finite, or flat. */
int xb_exp_fit_data(const double *p, const double *g, size_t n,
                    xb_exp_fit *out, xb_err *err);

/* Normalised maximum deviation from a straight line of the curve
 * y(u) = (1 - exp(-u/(a/levels))) / (1 - exp(-1/(a/levels))), u in [0, 1]:
 * the closed form at u* = -a' ln(a' (1 - exp(-1/a'))), a' = a/levels. */
double xb_exp_max_deviation(double a, double levels);

/* A (pulses) whose curve over `levels` pulses has maximum normalised
 * deviation |nl|/10: xbar's reading of a NeuroSim nonlinearity label (the
 * sign only tells LTP from LTD). XB_ERANGE unless 0.01 <= |nl| <= 9.9. */
int xb_exp_a_from_nl(double nl, double levels, double *a, xb_err *err);

/* B of Eq. 2.1/2.2 for curvature a over `levels` pulses. */
double xb_exp_b(double a, double levels, double gmin, double gmax);

#ifdef __cplusplus
}
#endif
#endif /* XBAR_DEVICE_H */
