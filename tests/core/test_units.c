/* core/units.c: Brian 2's unit names, dimension arithmetic and display.
 *
 * The expected names come from Brian 2 (brian2/units/allunits.py and
 * stdunits.py), the expected scales from the SI prefix definitions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "units.h"

/* Dimension from exponents (m, kg, s, A, K, mol, cd). */
static mf_dim dim7(double m, double kg, double s, double a, double k, double mol, double cd)
{
    mf_dim d = {{m, kg, s, a, k, mol, cd}};
    return d;
}

static const mf_dim *volt_dim(void)
{
    static mf_dim d;
    d = dim7(2, 1, -3, -1, 0, 0, 0);
    return &d;
}

static void assert_unit(const char *name, double scale, mf_dim dim)
{
    double s = 0;
    mf_dim d = mf_dim_none();
    if (!mf_unit_lookup(name, &s, &d))
        fail_msg("'%s' should be a unit", name);
    if (fabs(s - scale) > 1e-15 * fabs(scale))
        fail_msg("'%s': scale %.17g, expected %.17g", name, s, scale);
    if (!mf_dim_eq(d, dim)) {
        char got[64], want[64];
        fail_msg("'%s': dimension %s, expected %s", name, mf_dim_format(d, got, sizeof got),
                 mf_dim_format(dim, want, sizeof want));
    }
}

static void test_lookup_base_and_derived(void **state)
{
    (void)state;
    assert_unit("metre", 1, mf_dim_base(MF_DIM_M));
    assert_unit("meter", 1, mf_dim_base(MF_DIM_M));
    assert_unit("kilogram", 1, mf_dim_base(MF_DIM_KG));
    assert_unit("gram", 1e-3, mf_dim_base(MF_DIM_KG));
    assert_unit("second", 1, mf_dim_base(MF_DIM_S));
    assert_unit("amp", 1, mf_dim_base(MF_DIM_A));
    assert_unit("ampere", 1, mf_dim_base(MF_DIM_A));
    assert_unit("kelvin", 1, mf_dim_base(MF_DIM_K));
    assert_unit("mole", 1, mf_dim_base(MF_DIM_MOL));
    assert_unit("mol", 1, mf_dim_base(MF_DIM_MOL));
    assert_unit("candle", 1, mf_dim_base(MF_DIM_CD));
    assert_unit("volt", 1, *volt_dim());
    assert_unit("siemens", 1, dim7(-2, -1, 3, 2, 0, 0, 0));
    assert_unit("farad", 1, dim7(-2, -1, 4, 2, 0, 0, 0));
    assert_unit("ohm", 1, dim7(2, 1, -3, -2, 0, 0, 0));
    assert_unit("hertz", 1, dim7(0, 0, -1, 0, 0, 0, 0));
    assert_unit("coulomb", 1, dim7(0, 0, 1, 1, 0, 0, 0));
    assert_unit("joule", 1, dim7(2, 1, -2, 0, 0, 0, 0));
    assert_unit("watt", 1, dim7(2, 1, -3, 0, 0, 0, 0));
    assert_unit("newton", 1, dim7(1, 1, -2, 0, 0, 0, 0));
    assert_unit("pascal", 1, dim7(-1, 1, -2, 0, 0, 0, 0));
    assert_unit("henry", 1, dim7(2, 1, -2, -2, 0, 0, 0));
    assert_unit("weber", 1, dim7(2, 1, -2, -1, 0, 0, 0));
    assert_unit("tesla", 1, dim7(0, 1, -2, -1, 0, 0, 0));
    assert_unit("becquerel", 1, dim7(0, 0, -1, 0, 0, 0, 0));
    assert_unit("gray", 1, dim7(2, 0, -2, 0, 0, 0, 0));
    assert_unit("katal", 1, dim7(0, 0, -1, 0, 0, 1, 0));
    assert_unit("lumen", 1, dim7(0, 0, 0, 0, 0, 0, 1));
    assert_unit("lux", 1, dim7(-2, 0, 0, 0, 0, 0, 1));
    assert_unit("radian", 1, mf_dim_none());
    /* 1 l = 1 dm^3; 1 M = 1 mol/l = 1000 mol/m^3. */
    assert_unit("litre", 1e-3, dim7(3, 0, 0, 0, 0, 0, 0));
    assert_unit("liter", 1e-3, dim7(3, 0, 0, 0, 0, 0, 0));
    assert_unit("molar", 1e3, dim7(-3, 0, 0, 0, 0, 1, 0));
}

static void test_lookup_prefixed_long_names(void **state)
{
    (void)state;
    assert_unit("mvolt", 1e-3, *volt_dim());
    assert_unit("uvolt", 1e-6, *volt_dim());
    assert_unit("namp", 1e-9, mf_dim_base(MF_DIM_A));
    assert_unit("pamp", 1e-12, mf_dim_base(MF_DIM_A));
    assert_unit("nampere", 1e-9, mf_dim_base(MF_DIM_A));
    assert_unit("pfarad", 1e-12, dim7(-2, -1, 4, 2, 0, 0, 0));
    assert_unit("ufarad", 1e-6, dim7(-2, -1, 4, 2, 0, 0, 0));
    assert_unit("nsiemens", 1e-9, dim7(-2, -1, 3, 2, 0, 0, 0));
    assert_unit("usiemens", 1e-6, dim7(-2, -1, 3, 2, 0, 0, 0));
    assert_unit("msiemens", 1e-3, dim7(-2, -1, 3, 2, 0, 0, 0));
    assert_unit("Mohm", 1e6, dim7(2, 1, -3, -2, 0, 0, 0));
    assert_unit("kohm", 1e3, dim7(2, 1, -3, -2, 0, 0, 0));
    assert_unit("Gohm", 1e9, dim7(2, 1, -3, -2, 0, 0, 0));
    assert_unit("msecond", 1e-3, mf_dim_base(MF_DIM_S));
    assert_unit("usecond", 1e-6, mf_dim_base(MF_DIM_S));
    assert_unit("umetre", 1e-6, mf_dim_base(MF_DIM_M));
    assert_unit("mmetre", 1e-3, mf_dim_base(MF_DIM_M));
    assert_unit("cmetre", 1e-2, mf_dim_base(MF_DIM_M));
    assert_unit("umeter", 1e-6, mf_dim_base(MF_DIM_M));
    assert_unit("dametre", 10, mf_dim_base(MF_DIM_M));
    assert_unit("hmetre", 100, mf_dim_base(MF_DIM_M));
    assert_unit("dsecond", 0.1, mf_dim_base(MF_DIM_S));
    assert_unit("khertz", 1e3, dim7(0, 0, -1, 0, 0, 0, 0));
    assert_unit("Mhertz", 1e6, dim7(0, 0, -1, 0, 0, 0, 0));
    assert_unit("mgram", 1e-6, mf_dim_base(MF_DIM_KG));
    assert_unit("kgram", 1, mf_dim_base(MF_DIM_KG));
    assert_unit("mmole", 1e-3, mf_dim_base(MF_DIM_MOL));
    assert_unit("mmolar", 1, dim7(-3, 0, 0, 0, 0, 1, 0));
    assert_unit("umolar", 1e-3, dim7(-3, 0, 0, 0, 0, 1, 0));
    assert_unit("mlitre", 1e-6, dim7(3, 0, 0, 0, 0, 0, 0));
    assert_unit("Ykatal", 1e24, dim7(0, 0, -1, 0, 0, 1, 0));
    assert_unit("yvolt", 1e-24, *volt_dim());
    assert_unit("Zjoule", 1e21, dim7(2, 1, -2, 0, 0, 0, 0));
    assert_unit("fcoulomb", 1e-15, dim7(0, 0, 1, 1, 0, 0, 0));
}

static void test_lookup_short_symbols(void **state)
{
    (void)state;
    /* Every short name of Brian's stdunits module. */
    static const char *const brian_std[] = {"mV",  "mA",  "uA",  "nA",  "pA",  "pF", "uF",
                                            "nF",  "nS",  "uS",  "mS",  "ms",  "us", "Hz",
                                            "kHz", "MHz", "cm",  "cm2", "cm3", "mm", "mm2",
                                            "mm3", "um",  "um2", "um3", "mM",  "uM", "nM"};
    for (size_t i = 0; i < sizeof brian_std / sizeof brian_std[0]; i++)
        if (!mf_unit_lookup(brian_std[i], NULL, NULL))
            fail_msg("Brian's short unit '%s' is not found", brian_std[i]);
    assert_unit("mV", 1e-3, *volt_dim());
    assert_unit("uV", 1e-6, *volt_dim());
    assert_unit("nA", 1e-9, mf_dim_base(MF_DIM_A));
    assert_unit("pF", 1e-12, dim7(-2, -1, 4, 2, 0, 0, 0));
    assert_unit("nS", 1e-9, dim7(-2, -1, 3, 2, 0, 0, 0));
    assert_unit("ms", 1e-3, mf_dim_base(MF_DIM_S));
    assert_unit("us", 1e-6, mf_dim_base(MF_DIM_S));
    assert_unit("Hz", 1, dim7(0, 0, -1, 0, 0, 0, 0));
    assert_unit("kHz", 1e3, dim7(0, 0, -1, 0, 0, 0, 0));
    assert_unit("cm", 1e-2, mf_dim_base(MF_DIM_M));
    assert_unit("kg", 1, mf_dim_base(MF_DIM_KG));
    assert_unit("mg", 1e-6, mf_dim_base(MF_DIM_KG));
    assert_unit("mM", 1, dim7(-3, 0, 0, 0, 0, 1, 0));
    assert_unit("uM", 1e-3, dim7(-3, 0, 0, 0, 0, 1, 0));
    assert_unit("ml", 1e-6, dim7(3, 0, 0, 0, 0, 0, 0));
    assert_unit("kPa", 1e3, dim7(-1, 1, -2, 0, 0, 0, 0));
    assert_unit("mmol", 1e-3, mf_dim_base(MF_DIM_MOL));
}

static void test_lookup_powers(void **state)
{
    (void)state;
    assert_unit("metre2", 1, dim7(2, 0, 0, 0, 0, 0, 0));
    assert_unit("metre3", 1, dim7(3, 0, 0, 0, 0, 0, 0));
    assert_unit("meter2", 1, dim7(2, 0, 0, 0, 0, 0, 0));
    assert_unit("umetre2", 1e-12, dim7(2, 0, 0, 0, 0, 0, 0));
    assert_unit("cmetre2", 1e-4, dim7(2, 0, 0, 0, 0, 0, 0));
    assert_unit("cmetre3", 1e-6, dim7(3, 0, 0, 0, 0, 0, 0));
    assert_unit("um2", 1e-12, dim7(2, 0, 0, 0, 0, 0, 0));
    assert_unit("um3", 1e-18, dim7(3, 0, 0, 0, 0, 0, 0));
    assert_unit("cm2", 1e-4, dim7(2, 0, 0, 0, 0, 0, 0));
    assert_unit("cm3", 1e-6, dim7(3, 0, 0, 0, 0, 0, 0));
    assert_unit("mm2", 1e-6, dim7(2, 0, 0, 0, 0, 0, 0));
    assert_unit("second2", 1, dim7(0, 0, 2, 0, 0, 0, 0));
    assert_unit("msecond2", 1e-6, dim7(0, 0, 2, 0, 0, 0, 0));
    assert_unit("volt2", 1, mf_dim_pow(*volt_dim(), 2));
    assert_unit("mvolt3", 1e-9, mf_dim_pow(*volt_dim(), 3));
    assert_unit("kilogram2", 1, dim7(0, 2, 0, 0, 0, 0, 0));
    assert_unit("gram3", 1e-9, dim7(0, 3, 0, 0, 0, 0, 0));
    assert_unit("kelvin2", 1, dim7(0, 0, 0, 0, 2, 0, 0));
    assert_unit("mmolar2", 1, dim7(-6, 0, 0, 0, 0, 2, 0));
    assert_unit("ymetre3", 1e-72, dim7(3, 0, 0, 0, 0, 0, 0));
}

/* Brian's rule for long names: every base unit takes all 20 prefixes, except
 * kilogram(me) and kelvin, and a 2/3 suffix, except litre/liter. */
static void test_lookup_every_brian_long_name(void **state)
{
    (void)state;
    static const char *const bases[] = {
        "metre",   "meter",     "kilogram", "kilogramme", "gram",    "gramme",  "second",
        "amp",     "ampere",    "kelvin",   "mole",       "mol",     "candle",  "molar",
        "radian",  "steradian", "hertz",    "newton",     "pascal",  "joule",   "watt",
        "coulomb", "volt",      "farad",    "ohm",        "siemens", "weber",   "tesla",
        "henry",   "lumen",     "lux",      "becquerel",  "gray",    "sievert", "katal",
        "liter",   "litre"};
    static const char *const prefixes[] = {"y",  "z", "a", "f", "p", "n", "u", "m", "c", "d",
                                           "da", "h", "k", "M", "G", "T", "P", "E", "Z", "Y"};
    int n_found = 0;
    for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
        bool prefixable =
            strncmp(bases[b], "kilogram", 8) != 0 && strcmp(bases[b], "kelvin") != 0;
        bool powerable = strcmp(bases[b], "liter") != 0 && strcmp(bases[b], "litre") != 0;
        for (size_t p = 0; p <= sizeof prefixes / sizeof prefixes[0]; p++) {
            const char *pre = p == 0 ? "" : prefixes[p - 1];
            for (int pw = 1; pw <= 3; pw++) {
                char name[64];
                snprintf(name, sizeof name, "%s%s%s", pre, bases[b],
                         pw == 1   ? ""
                         : pw == 2 ? "2"
                                   : "3");
                bool want = (p == 0 || prefixable) && (pw == 1 || powerable);
                bool got = mf_unit_lookup(name, NULL, NULL);
                if (got != want)
                    fail_msg("'%s' %s", name, want ? "is a Brian unit" : "is not a Brian unit");
                n_found += got;
            }
        }
    }
    /* allunits.py's __all__ lists 2067 distinct unit names besides "celsius". */
    assert_int_equal(n_found, 2067);
}

static void test_lookup_rejects_non_units(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "foo", "Mv", "MV2", "mv", "volts", "m", "s", "g", "V", "A", "S", "C", "M", "l", "Pa",
        "T", "kkelvin", "kkilogram", "litre2", "mV2", "us2", "dm", "cl", "ukg", "metre4", "",
        "1", "2", "h", "n", "celsius", "xi", "Volt", "mmetre23",
        /* common constant names that exa-/peta-/femto- symbols would capture */
        "El", "Em", "EK", "Es", "Pl", "fs", "Ts"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double scale = -1;
        if (mf_unit_lookup(bad[i], &scale, NULL))
            fail_msg("'%s' should not be a unit (got scale %g)", bad[i], scale);
    }
    assert_false(mf_unit_lookup(NULL, NULL, NULL));
}

static void test_dim_arithmetic(void **state)
{
    (void)state;
    mf_dim v = *volt_dim();
    mf_dim a = mf_dim_base(MF_DIM_A);
    mf_dim ohm = dim7(2, 1, -3, -2, 0, 0, 0);
    mf_dim siemens = dim7(-2, -1, 3, 2, 0, 0, 0);
    assert_true(mf_dim_eq(mf_dim_div(v, a), ohm));
    assert_true(mf_dim_eq(mf_dim_pow(ohm, -1), siemens));
    assert_true(mf_dim_eq(mf_dim_mul(siemens, v), a));
    assert_true(mf_dim_is_none(mf_dim_div(v, v)));
    assert_true(mf_dim_is_none(mf_dim_none()));
    assert_false(mf_dim_is_none(v));
    assert_false(mf_dim_eq(v, a));
    /* sqrt halves exponents; squaring back gives the same dimension. */
    mf_dim half = mf_dim_pow(v, 0.5);
    assert_true(fabs(half.e[MF_DIM_S] + 1.5) < 1e-12);
    assert_true(mf_dim_eq(mf_dim_mul(half, half), v));
    /* Equality tolerates rounding of 1e-12 but not 1e-6. */
    mf_dim near = v;
    near.e[MF_DIM_M] += 1e-12;
    assert_true(mf_dim_eq(near, v));
    near.e[MF_DIM_M] += 1e-6;
    assert_false(mf_dim_eq(near, v));
    /* An out-of-range base is the dimensionless dimension, not a crash. */
    assert_true(mf_dim_is_none(mf_dim_base(-1)));
    assert_true(mf_dim_is_none(mf_dim_base(MF_NDIM)));
    /* Scales multiply: 1 mV / 1 ms = 1 V/s. */
    double smv, sms;
    mf_dim dmv, dms;
    assert_true(mf_unit_lookup("mV", &smv, &dmv));
    assert_true(mf_unit_lookup("ms", &sms, &dms));
    assert_true(fabs(smv / sms - 1) < 1e-15);
    assert_true(mf_dim_eq(mf_dim_div(dmv, dms), dim7(2, 1, -4, -1, 0, 0, 0)));
}

static void assert_dim_text(mf_dim d, const char *want)
{
    char buf[128];
    mf_dim_format(d, buf, sizeof buf);
    if (strcmp(buf, want) != 0)
        fail_msg("dimension prints as '%s', expected '%s'", buf, want);
}

static void test_dim_format(void **state)
{
    (void)state;
    mf_dim v = *volt_dim();
    mf_dim s = mf_dim_base(MF_DIM_S);
    mf_dim m = mf_dim_base(MF_DIM_M);
    assert_dim_text(mf_dim_none(), "1");
    assert_dim_text(v, "V");
    assert_dim_text(mf_dim_base(MF_DIM_A), "A");
    assert_dim_text(dim7(-2, -1, 3, 2, 0, 0, 0), "S");
    assert_dim_text(dim7(-2, -1, 4, 2, 0, 0, 0), "F");
    assert_dim_text(dim7(2, 1, -3, -2, 0, 0, 0), "ohm");
    assert_dim_text(mf_dim_pow(s, -1), "Hz");
    assert_dim_text(dim7(0, 0, 1, 1, 0, 0, 0), "C");
    assert_dim_text(dim7(2, 1, -2, 0, 0, 0, 0), "J");
    assert_dim_text(dim7(2, 1, -3, 0, 0, 0, 0), "W");
    assert_dim_text(s, "s");
    assert_dim_text(m, "m");
    assert_dim_text(mf_dim_base(MF_DIM_KG), "kg");
    assert_dim_text(mf_dim_base(MF_DIM_K), "K");
    assert_dim_text(mf_dim_pow(m, 2), "m^2");
    assert_dim_text(mf_dim_pow(m, 3), "m^3");
    assert_dim_text(mf_dim_pow(v, 2), "V^2");
    assert_dim_text(mf_dim_div(v, s), "V/s");
    assert_dim_text(mf_dim_mul(v, m), "V m");
    assert_dim_text(dim7(-3, 0, 0, 0, 0, 1, 0), "mol/m^3");
    assert_dim_text(dim7(-2, 0, 0, 1, 0, 0, 0), "A/m^2");
    assert_dim_text(dim7(-4, -1, 3, 2, 0, 0, 0), "S/m^2");
    assert_dim_text(dim7(-4, -1, 4, 2, 0, 0, 0), "F/m^2");
    assert_dim_text(dim7(1, 0, -1, 0, 0, 0, 0), "m/s");
    assert_dim_text(mf_dim_pow(m, -1), "m^-1");
    assert_dim_text(dim7(2, 1, 0, 0, 0, 0, 0), "m^2 kg");
    assert_dim_text(mf_dim_pow(v, 0.5), "m kg^0.5 s^-1.5 A^-0.5");
    assert_dim_text(dim7(1, 1, 1, 1, 0, 0, 0), "m kg s A");
    /* A short buffer truncates and stays terminated. */
    char tiny[3];
    mf_dim_format(mf_dim_div(v, s), tiny, sizeof tiny);
    assert_string_equal(tiny, "V/");
}

static void assert_qty(double value, mf_dim d, const char *want)
{
    char buf[128];
    mf_quantity_format(value, d, buf, sizeof buf);
    if (strcmp(buf, want) != 0)
        fail_msg("%.17g prints as '%s', expected '%s'", value, buf, want);
}

static void test_quantity_format(void **state)
{
    (void)state;
    mf_dim v = *volt_dim();
    mf_dim siemens = dim7(-2, -1, 3, 2, 0, 0, 0);
    mf_dim farad = dim7(-2, -1, 4, 2, 0, 0, 0);
    mf_dim s = mf_dim_base(MF_DIM_S);
    mf_dim amp = mf_dim_base(MF_DIM_A);
    assert_qty(10.02e-9, siemens, "10.02 nS");
    assert_qty(199.7e-12, farad, "199.7 pF");
    assert_qty(-0.065, v, "-65 mV");
    assert_qty(0, v, "0 V");
    assert_qty(-0.0, v, "0 V");
    assert_qty(1.5e-3, s, "1.5 ms");
    assert_qty(1e-10, farad, "100 pF");
    assert_qty(2e-5, siemens, "20 uS");
    assert_qty(6e-6, siemens, "6 uS");
    assert_qty(1e-8, amp, "10 nA");
    assert_qty(2.5, s, "2.5 s");
    assert_qty(1234.5678, s, "1.235 ks");
    assert_qty(12345.0, mf_dim_pow(s, -1), "12.35 kHz");
    assert_qty(50, mf_dim_pow(s, -1), "50 Hz");
    assert_qty(3.14159e6, dim7(2, 1, -3, -2, 0, 0, 0), "3.142 Mohm");
    /* Rounding to 4 digits may carry into the next prefix. */
    assert_qty(0.99996e-3, v, "1 mV");
    assert_qty(0.9999e-3, v, "999.9 uV");
    /* Mass in grams, concentration in molar, area in squared metres. */
    assert_qty(70, mf_dim_base(MF_DIM_KG), "70 kg");
    assert_qty(1e-3, mf_dim_base(MF_DIM_KG), "1 g");
    assert_qty(1.0, dim7(-3, 0, 0, 0, 0, 1, 0), "1 mM");
    assert_qty(1e-3, dim7(-3, 0, 0, 0, 0, 1, 0), "1 uM");
    assert_qty(2e-8, dim7(2, 0, 0, 0, 0, 0, 0), "20000 um^2");
    assert_qty(1e-6, dim7(2, 0, 0, 0, 0, 0, 0), "1 mm^2");
    assert_qty(300, mf_dim_base(MF_DIM_K), "300 K");
    assert_qty(0.5, mf_dim_base(MF_DIM_K), "0.5 K");
    /* Dimensionless numbers have no unit. */
    assert_qty(0.5, mf_dim_none(), "0.5");
    assert_qty(-3, mf_dim_none(), "-3");
    assert_qty(1e-7, mf_dim_none(), "1e-07");
    assert_qty(123456, mf_dim_none(), "123456");
    /* No named unit: SI value and the dimension's text. */
    assert_qty(-1000, mf_dim_div(v, s), "-1000 V/s");
    assert_qty(0.25, dim7(-2, 0, 0, 1, 0, 0, 0), "0.25 A/m^2");
    assert_qty(7, mf_dim_pow(mf_dim_base(MF_DIM_M), -1), "7 m^-1");
    /* Beyond the prefixes the mantissa leaves [1, 1000). */
    assert_qty(1e-30, v, "1e-06 yV");
    assert_qty(INFINITY, v, "inf V");
    assert_qty(-INFINITY, v, "-inf V");
}

static void test_quantity_format_in(void **state)
{
    (void)state;
    char buf[64];
    mf_dim v = *volt_dim();
    assert_non_null(mf_quantity_format_in(-0.065, v, "mV", buf, sizeof buf));
    assert_string_equal(buf, "-65 mV");
    assert_non_null(mf_quantity_format_in(-0.065, v, "volt", buf, sizeof buf));
    assert_string_equal(buf, "-0.065 volt");
    assert_non_null(
        mf_quantity_format_in(2e-8, dim7(2, 0, 0, 0, 0, 0, 0), "um2", buf, sizeof buf));
    assert_string_equal(buf, "20000 um2");
    assert_non_null(
        mf_quantity_format_in(1e-10, dim7(-2, -1, 4, 2, 0, 0, 0), "nF", buf, sizeof buf));
    assert_string_equal(buf, "0.1 nF");
    assert_non_null(mf_quantity_format_in(0.5, mf_dim_none(), "1", buf, sizeof buf));
    assert_string_equal(buf, "0.5");
    assert_null(mf_quantity_format_in(-0.065, v, "nA", buf, sizeof buf));
    assert_null(mf_quantity_format_in(-0.065, v, "foo", buf, sizeof buf));
    assert_null(mf_quantity_format_in(0.5, v, "1", buf, sizeof buf));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_base_and_derived),
        cmocka_unit_test(test_lookup_prefixed_long_names),
        cmocka_unit_test(test_lookup_short_symbols),
        cmocka_unit_test(test_lookup_powers),
        cmocka_unit_test(test_lookup_every_brian_long_name),
        cmocka_unit_test(test_lookup_rejects_non_units),
        cmocka_unit_test(test_dim_arithmetic),
        cmocka_unit_test(test_dim_format),
        cmocka_unit_test(test_quantity_format),
        cmocka_unit_test(test_quantity_format_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
