/* Physical dimensions and Brian 2's unit table.
 *
 * The names follow brian2/units/allunits.py and stdunits.py: every base or
 * derived unit has a long name (volt, siemens, metre/meter ...) that takes
 * any of Brian's 20 prefixes ("mvolt", "dametre") and a "2"/"3" suffix for
 * its square or cube ("umetre2"). Brian gives kilogram and kelvin no
 * prefixes and litre no powers. Brian's short names (stdunits: mV, nA, pF,
 * nS, ms, um2, mM, kHz ...) are the prefixed display symbols; we accept the
 * prefixed symbols with prefixes p n u m k M G (uV, pA, GHz, kg, mg, ml) plus
 * "cm", and squares/cubes of the prefixed metre symbols. Bare one-letter
 * symbols (m, s, g, V, S, C, M ...) are not units, as in Brian: they are
 * common variable names (the HH gates m, h; a capacitance C; a conductance
 * g). "Hz" is the one bare symbol Brian has. */
#include "units.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    U_NO_PREFIX = 1,  /* the long name takes no prefix (kilogram, kelvin) */
    U_NO_POWER = 2,   /* no "2"/"3" forms (litre) */
    U_SYM_PREFIX = 4, /* the symbol takes a power-of-1000 prefix ("mV") */
    U_SYM_POWER = 8,  /* prefixed symbols take "2"/"3" ("um2") */
    U_SYM_BARE = 16,  /* the symbol alone is a name ("Hz") */
    U_SYM_CENTI = 32, /* the symbol also takes "c" ("cm") */
    U_DIM_NAME = 64,  /* names its dimension in mf_dim_format */
    U_QTY_UNIT = 128  /* the unit quantities of its dimension print in */
};

typedef struct unit_def {
    const char *name;
    const char *alias; /* Brian's second spelling, or NULL */
    const char *symbol;
    signed char dim[MF_NDIM]; /* m kg s A K mol cd */
    signed char scale_exp;    /* the unit is 10^scale_exp SI units */
    unsigned flags;
} unit_def;

#define SYM  (U_SYM_PREFIX)
#define SHOW (U_DIM_NAME | U_QTY_UNIT)

/* Order matters where units share a dimension: the first SHOW entry wins,
 * chosen as Brian displays them (Hz not Bq, Gy not Sv, cd not lm). */
static const unit_def k_units[] = {
    {"volt", NULL, "V", {2, 1, -3, -1, 0, 0, 0}, 0, SYM | SHOW},
    {"amp", "ampere", "A", {0, 0, 0, 1, 0, 0, 0}, 0, SYM | SHOW},
    {"siemens", NULL, "S", {-2, -1, 3, 2, 0, 0, 0}, 0, SYM | SHOW},
    {"farad", NULL, "F", {-2, -1, 4, 2, 0, 0, 0}, 0, SYM | SHOW},
    {"ohm", NULL, "ohm", {2, 1, -3, -2, 0, 0, 0}, 0, SYM | SHOW},
    {"hertz", NULL, "Hz", {0, 0, -1, 0, 0, 0, 0}, 0, SYM | U_SYM_BARE | SHOW},
    {"coulomb", NULL, "C", {0, 0, 1, 1, 0, 0, 0}, 0, SYM | SHOW},
    {"joule", NULL, "J", {2, 1, -2, 0, 0, 0, 0}, 0, SYM | SHOW},
    {"watt", NULL, "W", {2, 1, -3, 0, 0, 0, 0}, 0, SYM | SHOW},
    {"newton", NULL, "N", {1, 1, -2, 0, 0, 0, 0}, 0, SYM | SHOW},
    {"pascal", NULL, "Pa", {-1, 1, -2, 0, 0, 0, 0}, 0, SYM | SHOW},
    {"henry", NULL, "H", {2, 1, -2, -2, 0, 0, 0}, 0, SYM | SHOW},
    {"weber", NULL, "Wb", {2, 1, -2, -1, 0, 0, 0}, 0, SYM | SHOW},
    {"tesla", NULL, "T", {0, 1, -2, -1, 0, 0, 0}, 0, SYM | SHOW},
    {"gray", NULL, "Gy", {2, 0, -2, 0, 0, 0, 0}, 0, SYM | SHOW},
    {"katal", NULL, "kat", {0, 0, -1, 0, 0, 1, 0}, 0, SYM | SHOW},
    {"lux", NULL, "lx", {-2, 0, 0, 0, 0, 0, 1}, 0, SYM | SHOW},
    {"metre", "meter", "m", {1, 0, 0, 0, 0, 0, 0}, 0, SYM | U_SYM_POWER | U_SYM_CENTI | SHOW},
    /* kg names the dimension; quantities of mass print in prefixed grams. */
    {"kilogram", "kilogramme", "kg", {0, 1, 0, 0, 0, 0, 0}, 0, U_NO_PREFIX | U_DIM_NAME},
    {"gram", "gramme", "g", {0, 1, 0, 0, 0, 0, 0}, -3, SYM | U_QTY_UNIT},
    {"second", NULL, "s", {0, 0, 1, 0, 0, 0, 0}, 0, SYM | SHOW},
    {"kelvin", NULL, "K", {0, 0, 0, 0, 1, 0, 0}, 0, U_NO_PREFIX | SHOW},
    {"mole", "mol", "mol", {0, 0, 0, 0, 0, 1, 0}, 0, SYM | SHOW},
    /* Brian's name is "candle"; "candela" is the SI spelling. */
    {"candle", "candela", "cd", {0, 0, 0, 0, 0, 0, 1}, 0, SYM | SHOW},
    /* 1 M = 1 mol/l = 1000 mol/m^3; concentrations print in mM, uM ... */
    {"molar", NULL, "M", {-3, 0, 0, 0, 0, 1, 0}, 3, SYM | U_QTY_UNIT},
    {"becquerel", NULL, "Bq", {0, 0, -1, 0, 0, 0, 0}, 0, SYM},
    {"sievert", NULL, "Sv", {2, 0, -2, 0, 0, 0, 0}, 0, SYM},
    {"lumen", NULL, "lm", {0, 0, 0, 0, 0, 0, 1}, 0, SYM},
    {"radian", NULL, "rad", {0, 0, 0, 0, 0, 0, 0}, 0, SYM},
    {"steradian", NULL, "sr", {0, 0, 0, 0, 0, 0, 0}, 0, SYM},
    /* 1 l = 1 dm^3; Brian never displays in litres. */
    {"litre", "liter", "l", {3, 0, 0, 0, 0, 0, 0}, -3, SYM | U_NO_POWER},
};

#define N_UNITS (sizeof k_units / sizeof k_units[0])

typedef struct prefix_def {
    const char *text;
    int exp;
} prefix_def;

/* Brian's prefixes; "da" comes before "d" so the longer one is tried first. */
static const prefix_def k_prefixes[] = {
    {"Y", 24}, {"Z", 21},  {"E", 18},  {"P", 15},  {"T", 12},  {"G", 9},   {"M", 6},
    {"k", 3},  {"h", 2},   {"da", 1},  {"d", -1},  {"c", -2},  {"m", -3},  {"u", -6},
    {"n", -9}, {"p", -12}, {"f", -15}, {"a", -18}, {"z", -21}, {"y", -24},
};

#define N_PREFIXES (sizeof k_prefixes / sizeof k_prefixes[0])

static const char *const k_base_symbols[MF_NDIM] = {"m", "kg", "s", "A", "K", "mol", "cd"};

/* ---- dimensions ---------------------------------------------------------- */

mf_dim mf_dim_none(void)
{
    mf_dim d = {{0}};
    return d;
}

mf_dim mf_dim_base(int which)
{
    mf_dim d = mf_dim_none();
    if (which >= 0 && which < MF_NDIM)
        d.e[which] = 1;
    return d;
}

mf_dim mf_dim_mul(mf_dim a, mf_dim b)
{
    for (int i = 0; i < MF_NDIM; i++)
        a.e[i] += b.e[i];
    return a;
}

mf_dim mf_dim_div(mf_dim a, mf_dim b)
{
    for (int i = 0; i < MF_NDIM; i++)
        a.e[i] -= b.e[i];
    return a;
}

mf_dim mf_dim_pow(mf_dim a, double p)
{
    for (int i = 0; i < MF_NDIM; i++)
        a.e[i] *= p;
    return a;
}

bool mf_dim_eq(mf_dim a, mf_dim b)
{
    for (int i = 0; i < MF_NDIM; i++)
        if (fabs(a.e[i] - b.e[i]) > 1e-9)
            return false;
    return true;
}

bool mf_dim_is_none(mf_dim a)
{
    return mf_dim_eq(a, mf_dim_none());
}

static mf_dim unit_dim(const unit_def *u, int power)
{
    mf_dim d;
    for (int i = 0; i < MF_NDIM; i++)
        d.e[i] = (double)u->dim[i] * power;
    return d;
}

/* 10^exp correctly rounded (strtod rounds exactly; pow() need not). */
static double pow10i(int exp)
{
    char text[16];
    snprintf(text, sizeof text, "1e%d", exp);
    return strtod(text, NULL);
}

/* ---- lookup -------------------------------------------------------------- */

static const prefix_def *find_prefix(const char *text, size_t len)
{
    for (size_t i = 0; i < N_PREFIXES; i++)
        if (strlen(k_prefixes[i].text) == len && strncmp(k_prefixes[i].text, text, len) == 0)
            return &k_prefixes[i];
    return NULL;
}

/* Does stem (length len) spell unit u as a long name, with the given power?
 * On success *exp is the prefix exponent. */
static bool match_long(const unit_def *u, const char *spelling, const char *stem, size_t len,
                       int power, int *exp)
{
    size_t sl = strlen(spelling);
    if (len < sl || strcmp(stem + len - sl, spelling) != 0)
        return false;
    if (power > 1 && (u->flags & U_NO_POWER))
        return false;
    if (len == sl) {
        *exp = 0;
        return true;
    }
    if (u->flags & U_NO_PREFIX)
        return false;
    const prefix_def *p = find_prefix(stem, len - sl);
    if (!p)
        return false;
    *exp = p->exp;
    return true;
}

static bool match_symbol(const unit_def *u, const char *stem, size_t len, int power, int *exp)
{
    size_t sl = strlen(u->symbol);
    if (len < sl || strcmp(stem + len - sl, u->symbol) != 0)
        return false;
    if (len == sl) {
        *exp = 0;
        return power == 1 && (u->flags & U_SYM_BARE);
    }
    if (!(u->flags & U_SYM_PREFIX))
        return false;
    if (power > 1 && !(u->flags & U_SYM_POWER))
        return false;
    const prefix_def *p = find_prefix(stem, len - sl);
    if (!p)
        return false;
    /* Only the prefixes Brian's short names use (stdunits: pA nA uA mV kHz
     * MHz ...), plus G: exa-, peta-, femto- symbols would turn common
     * variable names (El, Em, Pa_x) into units and hide "unknown name". */
    bool thousands = p->exp % 3 == 0 && p->exp >= -12 && p->exp <= 9;
    bool centi = p->exp == -2 && (u->flags & U_SYM_CENTI);
    if (!thousands && !centi)
        return false;
    *exp = p->exp;
    return true;
}

bool mf_unit_lookup(const char *name, double *scale, mf_dim *dim)
{
    if (!name)
        return false;
    size_t len = strlen(name);
    int power = 1;
    if (len > 1 && (name[len - 1] == '2' || name[len - 1] == '3')) {
        power = name[len - 1] - '0';
        len--;
    }
    char stem[64];
    if (len == 0 || len >= sizeof stem)
        return false;
    memcpy(stem, name, len);
    stem[len] = '\0';
    for (size_t i = 0; i < N_UNITS; i++) {
        const unit_def *u = &k_units[i];
        int exp = 0;
        bool ok = match_long(u, u->name, stem, len, power, &exp) ||
                  (u->alias && match_long(u, u->alias, stem, len, power, &exp)) ||
                  match_symbol(u, stem, len, power, &exp);
        if (!ok)
            continue;
        if (scale)
            *scale = pow10i((exp + u->scale_exp) * power);
        if (dim)
            *dim = unit_dim(u, power);
        return true;
    }
    return false;
}

/* ---- formatting a dimension ---------------------------------------------- */

/* Appends to buf at *pos, never overflowing; output is truncated instead. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void
append(char *buf, size_t n, size_t *pos, const char *fmt, ...)
{
    if (*pos >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + *pos, n - *pos, fmt, ap);
    va_end(ap);
    if (w > 0)
        *pos = (size_t)w >= n - *pos ? n - 1 : *pos + (size_t)w;
}

static void append_power(char *buf, size_t n, size_t *pos, double e)
{
    if (fabs(e - 1) <= 1e-9)
        return;
    double r = round(e);
    /* Exponents past int's range ("(2*cm)**5.2**22") print with %g: the
     * conversion to int would be undefined. */
    if (fabs(e - r) <= 1e-9 && fabs(r) <= 1e9)
        append(buf, n, pos, "^%d", (int)r);
    else
        append(buf, n, pos, "^%g", e);
}

/* The unit whose dimension is exactly d raised to 1, 2 or 3 (tried in that
 * order over the whole table), among units with the given flag. */
static const unit_def *named_unit(mf_dim d, unsigned flag, int *power)
{
    for (int p = 1; p <= 3; p++)
        for (size_t i = 0; i < N_UNITS; i++)
            if ((k_units[i].flags & flag) && mf_dim_eq(unit_dim(&k_units[i], p), d)) {
                *power = p;
                return &k_units[i];
            }
    return NULL;
}

static int count_factors(mf_dim d)
{
    int n = 0;
    for (int i = 0; i < MF_NDIM; i++)
        n += fabs(d.e[i]) > 1e-9;
    return n;
}

/* A derived unit times or over one base unit to a small power ("V/s",
 * "F/m^2"), which reads better than five base units. */
static bool format_derived_ratio(mf_dim d, char *buf, size_t n)
{
    for (int k = 1; k <= 3; k++)
        for (size_t i = 0; i < N_UNITS; i++) {
            const unit_def *u = &k_units[i];
            if (!(u->flags & U_DIM_NAME) || count_factors(unit_dim(u, 1)) < 2)
                continue;
            for (int b = 0; b < MF_NDIM; b++)
                for (int sign = -1; sign <= 1; sign += 2) {
                    mf_dim rest = mf_dim_pow(mf_dim_base(b), sign * k);
                    if (!mf_dim_eq(mf_dim_mul(unit_dim(u, 1), rest), d))
                        continue;
                    size_t pos = 0;
                    append(buf, n, &pos, "%s%s%s", u->symbol, sign < 0 ? "/" : " ",
                           k_base_symbols[b]);
                    append_power(buf, n, &pos, k);
                    return true;
                }
        }
    return false;
}

/* Base units: "mol/m^3" for one factor over another, else Brian's
 * space-separated form "m^2 kg s^-3". */
static void format_base_units(mf_dim d, char *buf, size_t n)
{
    size_t pos = 0;
    int num = -1, den = -1;
    for (int i = 0; i < MF_NDIM; i++) {
        if (d.e[i] > 1e-9)
            num = num < 0 ? i : MF_NDIM;
        else if (d.e[i] < -1e-9)
            den = den < 0 ? i : MF_NDIM;
    }
    if (num >= 0 && num < MF_NDIM && den >= 0 && den < MF_NDIM) {
        append(buf, n, &pos, "%s", k_base_symbols[num]);
        append_power(buf, n, &pos, d.e[num]);
        append(buf, n, &pos, "/%s", k_base_symbols[den]);
        append_power(buf, n, &pos, -d.e[den]);
        return;
    }
    for (int i = 0; i < MF_NDIM; i++) {
        if (fabs(d.e[i]) <= 1e-9)
            continue;
        append(buf, n, &pos, "%s%s", pos ? " " : "", k_base_symbols[i]);
        append_power(buf, n, &pos, d.e[i]);
    }
}

char *mf_dim_format(mf_dim d, char *buf, size_t n)
{
    if (!buf || n == 0)
        return buf;
    buf[0] = '\0';
    if (mf_dim_is_none(d)) {
        snprintf(buf, n, "1");
        return buf;
    }
    int power = 1;
    const unit_def *u = named_unit(d, U_DIM_NAME, &power);
    if (u) {
        size_t pos = 0;
        append(buf, n, &pos, "%s", u->symbol);
        append_power(buf, n, &pos, power);
        return buf;
    }
    if (count_factors(d) > 2 && format_derived_ratio(d, buf, n))
        return buf;
    format_base_units(d, buf, n);
    return buf;
}

/* ---- formatting a quantity ----------------------------------------------- */

/* 4 significant digits without trailing zeros, but never an exponent for a
 * number of up to 17 integer digits ("20000", not "2e+04"). */
static void format_number(double x, char *buf, size_t n)
{
    if (x == 0) {
        snprintf(buf, n, "0"); /* also for -0 */
        return;
    }
    int prec = 4;
    if (isfinite(x) && fabs(x) >= 1) {
        int digits = (int)floor(log10(fabs(x))) + 1;
        if (digits > prec)
            prec = digits < 17 ? digits : 17;
    }
    snprintf(buf, n, "%.*g", prec, x);
}

/* x rounded to the 4 significant digits it will print with, so 999.96 mV
 * chooses V ("1 V") rather than printing "1000 mV". */
static double round4(double x)
{
    char text[40];
    snprintf(text, sizeof text, "%.3e", x);
    return strtod(text, NULL);
}

/* The power-of-1000 prefix exponent putting |x| / 10^((e + base) * power)
 * in [1, 1000^power), within the y..Y range. */
static int best_prefix(double x, int base, int power)
{
    double r = fabs(round4(x));
    if (r == 0 || !isfinite(r))
        return 0;
    int best = -24;
    for (int e = 24; e >= -24; e -= 3)
        if (r >= pow10i((e + base) * power)) {
            best = e;
            break;
        }
    return best;
}

static const char *prefix_text(int exp)
{
    if (exp == 0)
        return "";
    for (size_t i = 0; i < N_PREFIXES; i++)
        if (k_prefixes[i].exp == exp)
            return k_prefixes[i].text;
    return "";
}

char *mf_quantity_format(double value, mf_dim dim, char *buf, size_t n)
{
    if (!buf || n == 0)
        return buf;
    char num[64];
    if (mf_dim_is_none(dim)) {
        format_number(value, buf, n);
        return buf;
    }
    int power = 1;
    const unit_def *u = named_unit(dim, U_QTY_UNIT, &power);
    if (!u) {
        char unit[128];
        format_number(value, num, sizeof num);
        snprintf(buf, n, "%s %s", num, mf_dim_format(dim, unit, sizeof unit));
        return buf;
    }
    int exp = 0;
    if (u->flags & U_SYM_PREFIX)
        exp = best_prefix(value, u->scale_exp, power);
    format_number(value / pow10i((exp + u->scale_exp) * power), num, sizeof num);
    size_t pos = 0;
    buf[0] = '\0';
    append(buf, n, &pos, "%s %s%s", num, prefix_text(exp), u->symbol);
    append_power(buf, n, &pos, power);
    return buf;
}

char *mf_quantity_format_in(double value, mf_dim dim, const char *unit, char *buf, size_t n)
{
    if (!buf || n == 0 || !unit)
        return NULL;
    double scale = 1;
    mf_dim udim = mf_dim_none();
    bool plain = strcmp(unit, "1") == 0 || unit[0] == '\0';
    if (!plain && !mf_unit_lookup(unit, &scale, &udim))
        return NULL;
    if (!mf_dim_eq(udim, dim))
        return NULL;
    char num[64];
    format_number(value / scale, num, sizeof num);
    if (plain)
        snprintf(buf, n, "%s", num);
    else
        snprintf(buf, n, "%s %s", num, unit);
    return buf;
}
