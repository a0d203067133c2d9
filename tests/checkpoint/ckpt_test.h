/* The fixture shared by the checkpoint tests (static, header only): a leaky
 * membrane dv/dt = (El - v + R*I)/tau under two constant currents, whose
 * targets are the closed form v(t) = Vinf + (v0 - Vinf) exp(-t/tau), fitted
 * with a fixed seed; a work directory per test program; the comparison of
 * two fits bit for bit. */
#ifndef MF_TEST_CKPT_TEST_H
#define MF_TEST_CKPT_TEST_H

#include "fitter/fit_test.h"

#include <sys/stat.h>
#include <unistd.h>

enum { N_STEPS = 200, N_TRACES = 2 };

static const char *const CKPT_MODEL = "dv/dt = (El - v + R*I)/tau : volt\n"
                                      "El : volt (constant)\n"
                                      "tau : second (constant)\n";

/* What may differ from the base fit. */
typedef struct ckpt_variant {
    const char *model;   /* NULL: CKPT_MODEL */
    double shift;        /* added to the targets (V) */
    double tau_hi;       /* 0: 50 ms */
    long seed;           /* 0: 3 */
    const char *opt;     /* NULL: "de" */
    int n_samples;       /* must be set */
    double dt;           /* 0: 0.1 ms */
    const char *t_start; /* mse's t_start, NULL: default */
} ckpt_variant;

typedef struct fit_case {
    mf_context *ctx;
    mf_fitter *f;
    mf_optimizer *opt;
    mf_metric *metric;
    const char *names[2];
    double lo[2], hi[2];
} fit_case;

/* The work directory of the test program, made by ckpt_make_work. */
static char ckpt_work[512];

static inline const char *path_in_work(const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "%s/%s", ckpt_work, name);
    return buf;
}

/* tag tells the programs' directories apart (they may run in parallel). */
static inline int ckpt_make_work(const char *tag)
{
    snprintf(ckpt_work, sizeof ckpt_work, "%s/checkpoint/work-%s-%ld", MF_TEST_BINARY_DIR, tag,
             (long)getpid());
    return mkdir(ckpt_work, 0755) == 0 ? 0 : -1;
}

/* A test may leave a read-only directory behind: made writable first. */
static inline int ckpt_remove_work(void **state)
{
    (void)state;
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "chmod -R u+w '%s'; rm -rf '%s'", ckpt_work, ckpt_work);
    return system(cmd) == 0 ? 0 : -1;
}

static inline void ckpt_make_data(double shift, double *input, double *target)
{
    const double currents[N_TRACES] = {0.1e-9, -0.05e-9};
    for (int k = 0; k < N_TRACES; k++) {
        double vinf = -70e-3 + 100e6 * currents[k];
        for (int s = 0; s < N_STEPS; s++) {
            input[k * N_STEPS + s] = currents[k];
            target[k * N_STEPS + s] = vinf + (-60e-3 - vinf) * exp(-s * 1e-4 / 10e-3) + shift;
        }
    }
}

static inline void ckpt_case_new(fit_case *c, mf_context *ctx, const ckpt_variant *v)
{
    memset(c, 0, sizeof *c);
    c->ctx = ctx;
    double input[N_TRACES * N_STEPS], target[N_TRACES * N_STEPS];
    ckpt_make_data(v->shift, input, target);
    mf_fitter_spec *spec;
    FT_OK(mf_fitter_spec_new(MF_FITTER_TRACES, &spec, err));
    FT_OK(mf_fitter_spec_set_model(spec, v->model ? v->model : CKPT_MODEL, NULL, err));
    FT_OK(mf_fitter_spec_set_constant(spec, "R", ft_q("100*Mohm"), err));
    FT_OK(mf_fitter_spec_set_input(spec, "I", ft_unit("amp"), N_TRACES, N_STEPS, input, err));
    FT_OK(
        mf_fitter_spec_set_output(spec, "v", ft_unit("volt"), N_TRACES, N_STEPS, target, err));
    FT_OK(mf_fitter_spec_set_dt(spec, v->dt > 0 ? v->dt : 1e-4, err));
    FT_OK(mf_fitter_spec_set_n_samples(spec, v->n_samples, err));
    FT_OK(mf_fitter_spec_set_method(spec, "exponential_euler", err));
    FT_OK(mf_fitter_spec_set_init(spec, "v", "-60*mV", err));
    FT_OK(mf_fitter_new(ctx, spec, &c->f, err));
    mf_fitter_spec_free(spec);
    c->opt = ft_optimizer(ctx, v->opt ? v->opt : "de", v->seed ? v->seed : 3);
    c->metric =
        v->t_start ? ft_metric(ctx, "mse", v->t_start, NULL) : ft_metric(ctx, "mse", NULL);
    c->names[0] = "El";
    c->names[1] = "tau";
    c->lo[0] = -90e-3;
    c->hi[0] = -50e-3;
    c->lo[1] = 1e-3;
    c->hi[1] = v->tau_hi > 0 ? v->tau_hi : 50e-3;
}

static inline mf_status case_fit(fit_case *c, int n_rounds, mf_fit_callback cb, void *user,
                                 mf_error *err)
{
    return mf_fitter_fit(c->f, c->opt, &c->metric, n_rounds, 2, c->names, c->lo, c->hi, cb,
                         user, false, -1, err);
}

static inline void case_free(fit_case *c)
{
    mf_fitter_free(c->f);
    mf_optimizer_free(c->opt);
    mf_metric_free(c->metric);
}

/* The two fitters evaluated the same points with the same errors, in the
 * same rounds, bit for bit. */
static inline void assert_same_history(const mf_fitter *a, const mf_fitter *b)
{
    long n = mf_fitter_history_size(a);
    assert_int_equal(n, mf_fitter_history_size(b));
    for (long i = 0; i < n; i++) {
        assert_memory_equal(mf_fitter_history_point(a, i), mf_fitter_history_point(b, i),
                            2 * sizeof(double));
        double ea = mf_fitter_history_error(a, i), eb = mf_fitter_history_error(b, i);
        assert_memory_equal(&ea, &eb, sizeof ea);
        assert_int_equal(mf_fitter_history_round(a, i), mf_fitter_history_round(b, i));
    }
    assert_int_equal(mf_fitter_iteration(a), mf_fitter_iteration(b));
}

static inline void assert_contains(const char *text, const char *part)
{
    if (!strstr(text, part))
        fail_msg("'%s' is not in: %s", part, text);
}

#endif
