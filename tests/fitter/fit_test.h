/* Helpers shared by the fitter tests (static, header only). */
#ifndef MF_TEST_FIT_TEST_H
#define MF_TEST_FIT_TEST_H

#include <modelfit/modelfit.h>

#include "common/test_util.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* Fails the test with the error's message unless rc is MF_OK. */
#define FT_OK(expr)                                                                            \
    do {                                                                                       \
        mf_error ft_err_;                                                                      \
        memset(&ft_err_, 0, sizeof ft_err_);                                                   \
        mf_error *err = &ft_err_;                                                              \
        mf_status ft_rc_ = (expr);                                                             \
        if (ft_rc_ != MF_OK)                                                                   \
            fail_msg("%s -> %d: %s", #expr, (int)ft_rc_, ft_err_.message);                     \
    } while (0)

/* |a - b| <= tol, printing both on failure. */
#define assert_double_equal(a, b, tol)                                                         \
    do {                                                                                       \
        double ft_a_ = (a), ft_b_ = (b), ft_t_ = (tol);                                        \
        if (!(fabs(ft_a_ - ft_b_) <= ft_t_))                                                   \
            fail_msg("%s = %.17g, %s = %.17g (tolerance %g)", #a, ft_a_, #b, ft_b_, ft_t_);    \
    } while (0)

static inline mf_quantity ft_q(const char *text)
{
    mf_quantity q;
    mf_error e;
    if (mf_quantity_from_string(text, &q, &e) != MF_OK)
        fail_msg("bad quantity '%s': %s", text, e.message);
    return q;
}

/* The SI unit of a quantity text ("volt" -> 1 V). */
static inline mf_quantity ft_unit(const char *text)
{
    mf_quantity q = ft_q(text);
    q.value = 1;
    return q;
}

static inline mf_context *ft_context(int threads)
{
    mf_context *ctx;
    mf_error e;
    if (mf_context_new(&ctx, &e) != MF_OK)
        fail_msg("context: %s", e.message);
    mf_context_set_threads(ctx, threads);
    return ctx;
}

static inline mf_optimizer *ft_optimizer(mf_context *ctx, const char *name, long seed)
{
    mf_options *o;
    mf_optimizer *opt;
    mf_error e;
    if (mf_options_new(&o, &e) != MF_OK || mf_options_set_int(o, "seed", seed, &e) != MF_OK ||
        mf_optimizer_new(ctx, name, o, &opt, &e) != MF_OK)
        fail_msg("optimizer %s: %s", name, e.message);
    mf_options_free(o);
    return opt;
}

/* A metric with options given as "name=value" strings (NULL-terminated). */
static inline mf_metric *ft_metric(mf_context *ctx, const char *name, ...)
{
    mf_options *o;
    mf_metric *m;
    mf_error e;
    if (mf_options_new(&o, &e) != MF_OK)
        fail_msg("options: %s", e.message);
    va_list ap;
    va_start(ap, name);
    for (const char *kv; (kv = va_arg(ap, const char *));) {
        char key[64];
        const char *eq = strchr(kv, '=');
        snprintf(key, sizeof key, "%.*s", (int)(eq - kv), kv);
        if (mf_options_set_string(o, key, eq + 1, &e) != MF_OK)
            fail_msg("option %s: %s", kv, e.message);
    }
    va_end(ap);
    if (mf_metric_new(ctx, name, o, &m, &e) != MF_OK)
        fail_msg("metric %s: %s", name, e.message);
    mf_options_free(o);
    return m;
}

/* brian2modelfitting's test_multiobjective fixture: two outputs relaxing
 * with tau = 5 ms, var1 (dimensionless) towards the parameter target1 and
 * var2 (volt) towards target2, from 0, against constant targets 5 and
 * -7 mV over FT_TWO_N steps of 0.1 ms. The metrics m[0] and m[1] are mse
 * from 50 ms (the last FT_TWO_KEPT steps), the second normalized by 1 mV
 * (the caller frees them); the bounds are FT_TWO_NAMES, FT_TWO_LO and
 * FT_TWO_HI. Exponential Euler (the default for this linear model) follows
 * the relaxation exactly: var(t_k) = T * g_k with g_k = ft_two_g(k) =
 * 1 - exp(-k dt / 5 ms). */
enum { FT_TWO_N = 1000, FT_TWO_KEPT = 500 };
#define FT_TWO_NAMES ((const char *const[]){"target1", "target2"})
#define FT_TWO_LO    ((const double[]){-10, -10e-3})
#define FT_TWO_HI    ((const double[]){10, 10e-3})

static inline double ft_two_g(int k)
{
    return 1 - exp(-k * 1e-4 / 5e-3);
}

static inline mf_fitter *ft_two_outputs(mf_context *ctx, int n_samples, mf_metric *m[2])
{
    static double x[FT_TWO_N], v1[FT_TWO_N], v2[FT_TWO_N];
    for (int i = 0; i < FT_TWO_N; i++)
        x[i] = 0, v1[i] = 5, v2[i] = -7e-3;
    mf_fitter_spec *s;
    mf_fitter *f;
    FT_OK(mf_fitter_spec_new(MF_FITTER_TRACES, &s, err));
    FT_OK(mf_fitter_spec_set_model(s,
                                   "dvar1/dt = (target1 - var1 + x)/(5*ms) : 1\n"
                                   "dvar2/dt = (target2 - var2)/(5*ms) : volt\n"
                                   "target1 : 1 (constant)\ntarget2 : volt (constant)\n",
                                   NULL, err));
    FT_OK(mf_fitter_spec_set_input(s, "x", ft_unit("1"), 1, FT_TWO_N, x, err));
    FT_OK(mf_fitter_spec_set_output(s, "var1", ft_unit("1"), 1, FT_TWO_N, v1, err));
    FT_OK(mf_fitter_spec_set_output(s, "var2", ft_unit("volt"), 1, FT_TWO_N, v2, err));
    FT_OK(mf_fitter_spec_set_dt(s, 1e-4, err));
    FT_OK(mf_fitter_spec_set_n_samples(s, n_samples, err));
    FT_OK(mf_fitter_new(ctx, s, &f, err));
    mf_fitter_spec_free(s);
    m[0] = ft_metric(ctx, "mse", "t_start=50*ms", NULL);
    m[1] = ft_metric(ctx, "mse", "t_start=50*ms", "normalization=1*mV", NULL);
    return f;
}

/* Reads a whole file into a new string (NULL when absent). */
static inline char *ft_read_file(const char *path)
{
    return tu_slurp(path);
}

#endif
