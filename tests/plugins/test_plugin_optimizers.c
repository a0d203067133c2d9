/* The built-in optimizers (plugins/optimizers/random, grid, de) through the
 * public API: DE converges on the 4-D sphere and Rosenbrock functions within
 * a stated budget, the grid visits its points in order and stops when done,
 * random search is uniform or log-uniform as asked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/plugin_test.h"

static mf_optimizer *make(const char *name, mf_options *o, uint32_t dims, const double *lo,
                          const double *hi)
{
    static const char *const names[] = {"a", "b", "c", "d", "e", "f"};
    mf_optimizer *opt;
    mf_error err;
    if (mf_optimizer_new(ctx, name, o, &opt, &err) != MF_OK)
        fail_msg("%s", err.message);
    if (mf_optimizer_start(opt, dims, names, lo, hi, &err) != MF_OK)
        fail_msg("%s", err.message);
    return opt;
}

/* ---- DE ------------------------------------------------------------------ */

typedef double (*objective)(const double *x, int n);

static double sphere(const double *x, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += x[i] * x[i];
    return s;
}

static double rosenbrock(const double *x, int n)
{
    double s = 0;
    for (int i = 0; i + 1 < n; i++)
        s += 100 * pow(x[i + 1] - x[i] * x[i], 2) + pow(1 - x[i], 2);
    return s;
}

enum { DIMS = 4 };

/* Runs `rounds` generations of `pop` points; returns the best error. */
static double run_de(const char *strategy, objective f, double bound, uint32_t pop, int rounds,
                     int64_t seed, double *first_points)
{
    double lo[DIMS], hi[DIMS];
    for (int d = 0; d < DIMS; d++) {
        lo[d] = -bound;
        hi[d] = bound;
    }
    mf_options *o;
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_options_set_string(o, "strategy", strategy, NULL);
    mf_options_set_int(o, "seed", seed, NULL);
    mf_optimizer *opt = make("de", o, DIMS, lo, hi);
    mf_options_free(o);
    double *p = malloc(pop * DIMS * sizeof *p), *e = malloc(pop * sizeof *e);
    assert_true(p && e);
    mf_error err;
    for (int r = 0; r < rounds; r++) {
        if (mf_optimizer_ask(opt, pop, p, &err) != MF_OK)
            fail_msg("%s", err.message);
        if (r == 0 && first_points)
            memcpy(first_points, p, pop * DIMS * sizeof *p);
        for (uint32_t i = 0; i < pop; i++)
            e[i] = f(p + i * DIMS, DIMS);
        if (mf_optimizer_tell(opt, pop, p, e, &err) != MF_OK)
            fail_msg("%s", err.message);
    }
    double best[DIMS], be;
    assert_int_equal(mf_optimizer_recommend(opt, best, &be, &err), MF_OK);
    assert_true(be == f(best, DIMS));
    free(p);
    free(e);
    mf_optimizer_free(opt);
    return be;
}

/* Budgets: population 30 (nevergrad's default), sphere on [-5, 5]^4 in 100
 * generations (3000 evaluations) to below 1e-8; Rosenbrock on [-2, 2]^4 in
 * 500 generations (15000 evaluations) to below 1e-6 (minimum 0 at 1). Both
 * strategies, three seeds each. */
static void test_de_sphere(void **state)
{
    (void)state;
    for (int64_t seed = 1; seed <= 3; seed++) {
        double a = run_de("currenttobest1", sphere, 5, 30, 100, seed, NULL);
        double b = run_de("best1bin", sphere, 5, 30, 100, seed, NULL);
        print_message("  sphere, seed %d: currenttobest1 %.3g, best1bin %.3g\n", (int)seed, a,
                      b);
        assert_true(a < 1e-8);
        assert_true(b < 1e-8);
    }
}

static void test_de_rosenbrock(void **state)
{
    (void)state;
    for (int64_t seed = 1; seed <= 3; seed++) {
        double a = run_de("currenttobest1", rosenbrock, 2, 30, 500, seed, NULL);
        double b = run_de("best1bin", rosenbrock, 2, 30, 500, seed, NULL);
        print_message("  rosenbrock, seed %d: currenttobest1 %.3g, best1bin %.3g\n", (int)seed,
                      a, b);
        assert_true(a < 1e-6);
        assert_true(b < 1e-6);
    }
}

/* Same seed, same points; another seed, other points; the initial
 * population covers the box uniformly (mean of 30 x 4 coordinates near 0). */
static void test_de_seeded(void **state)
{
    (void)state;
    double p1[30 * DIMS], p2[30 * DIMS], p3[30 * DIMS];
    double e1 = run_de("currenttobest1", sphere, 5, 30, 20, 42, p1);
    double e2 = run_de("currenttobest1", sphere, 5, 30, 20, 42, p2);
    run_de("currenttobest1", sphere, 5, 30, 20, 43, p3);
    assert_memory_equal(p1, p2, sizeof p1);
    assert_true(e1 == e2);
    assert_memory_not_equal(p1, p3, sizeof p1);
    double mean = 0;
    for (int i = 0; i < 30 * DIMS; i++)
        mean += p1[i] / (30 * DIMS);
    assert_true(fabs(mean) < 5 * 5 / sqrt(3.0 * 30 * DIMS)); /* 5 standard errors */
}

static void test_de_population_is_fixed(void **state)
{
    (void)state;
    const double lo[2] = {0, 0}, hi[2] = {1, 1};
    mf_optimizer *opt = make("de", NULL, 2, lo, hi);
    double p[10 * 2], e[10] = {0};
    mf_error err;
    assert_int_equal(mf_optimizer_ask(opt, 10, p, &err), MF_OK);
    assert_int_equal(mf_optimizer_tell(opt, 10, p, e, &err), MF_OK);
    assert_int_equal(mf_optimizer_ask(opt, 8, p, &err), MF_ERR_PLUGIN);
    expect_text(err.message, "the population has 10 members (fixed by the first round)");
    mf_optimizer_free(opt);

    mf_options *o;
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_options_set_string(o, "strategy", "best1bin", NULL);
    opt = make("de", o, 2, lo, hi);
    assert_int_equal(mf_optimizer_ask(opt, 2, p, &err), MF_ERR_PLUGIN);
    expect_text(err.message, "best1bin needs a population (n_samples) of at least 3");
    mf_optimizer_free(opt);
    mf_options_set_string(o, "strategy", "rand1bin", NULL);
    assert_int_equal(mf_optimizer_new(ctx, "de", o, &opt, &err), MF_ERR_INVALID);
    expect_text(err.message, "must be one of currenttobest1|best1bin");
    mf_options_free(o);
}

/* Points crowded at a bound stay inside: the plugin reflects, and the host
 * would refuse anything outside. Minimum at the corner (lo, lo). */
static void test_de_stays_in_bounds(void **state)
{
    (void)state;
    const double lo[2] = {1, 1}, hi[2] = {2, 2};
    mf_optimizer *opt = make("de", NULL, 2, lo, hi);
    double p[20 * 2], e[20];
    mf_error err;
    for (int r = 0; r < 60; r++) {
        if (mf_optimizer_ask(opt, 20, p, &err) != MF_OK)
            fail_msg("%s", err.message);
        for (int i = 0; i < 20; i++)
            e[i] = p[2 * i] + p[2 * i + 1];
        assert_int_equal(mf_optimizer_tell(opt, 20, p, e, &err), MF_OK);
    }
    double best[2], be;
    assert_int_equal(mf_optimizer_recommend(opt, best, &be, &err), MF_OK);
    assert_true(be < 2 + 1e-6);
    mf_optimizer_free(opt);
}

/* ---- grid ---------------------------------------------------------------- */

static void test_grid_order_and_end(void **state)
{
    (void)state;
    mf_options *o;
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_options_set_int(o, "points", 3, NULL);
    mf_options_set_string(o, "points_per_param", "b=2", NULL);
    const double lo[2] = {0, -1}, hi[2] = {1, 1};
    mf_optimizer *opt = make("grid", o, 2, lo, hi);
    mf_options_free(o);
    /* 3 x 2 = 6 points, last parameter fastest; rounds of 4. */
    const double want[6][2] = {{0, -1}, {0, 1}, {0.5, -1}, {0.5, 1}, {1, -1}, {1, 1}};
    double p[4 * 2], e[4] = {1, 1, 1, 1};
    mf_error err;
    assert_int_equal(mf_optimizer_ask(opt, 4, p, &err), MF_OK);
    assert_memory_equal(p, want, sizeof p);
    assert_int_equal(mf_optimizer_tell(opt, 4, p, e, &err), MF_OK);
    assert_int_equal(mf_optimizer_ask(opt, 4, p, &err), MF_OK);
    assert_memory_equal(p, want[4], 4 * sizeof(double));
    assert_memory_equal(p + 4, want[5], 2 * sizeof(double)); /* tail repeats the last */
    assert_memory_equal(p + 6, want[5], 2 * sizeof(double));
    assert_int_equal(mf_optimizer_tell(opt, 4, p, e, &err), MF_OK);
    assert_int_equal(mf_optimizer_ask(opt, 4, p, &err), MF_ERR_STOPPED);
    assert_string_equal(err.message,
                        "error: optimizer 'grid' has no points left: all 6 grid points (3 x 2) "
                        "were evaluated: the grid search is finished");
    mf_optimizer_free(opt);

    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_options_set_string(o, "points_per_param", "zz=2", NULL);
    assert_int_equal(mf_optimizer_new(ctx, "grid", o, &opt, &err), MF_OK);
    static const char *const names[2] = {"a", "b"};
    assert_int_equal(mf_optimizer_start(opt, 2, names, lo, hi, &err), MF_ERR_PLUGIN);
    expect_text(err.message, "points_per_param: expected \"name=count\"");
    mf_optimizer_free(opt);
    mf_options_set_int(o, "points", 0, NULL);
    assert_int_equal(mf_optimizer_new(ctx, "grid", o, &opt, &err), MF_ERR_INVALID);
    expect_text(err.message, "option 'points' of optimizer 'grid' must be >= 1, got 0");
    mf_options_free(o);
}

static void test_grid_single_point_is_middle(void **state)
{
    (void)state;
    mf_options *o;
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_options_set_int(o, "points", 1, NULL);
    const double lo[1] = {2}, hi[1] = {4};
    mf_optimizer *opt = make("grid", o, 1, lo, hi);
    double p[1];
    assert_int_equal(mf_optimizer_ask(opt, 1, p, NULL), MF_OK);
    assert_true(p[0] == 3);
    mf_optimizer_free(opt);
    mf_options_free(o);
}

/* ---- random -------------------------------------------------------------- */

/* Uniform: about half the draws below the middle; log-uniform: about half
 * below the geometric mean (1e-3 on [1e-6, 1]). 4000 draws, 6 sigma. */
static void test_random_distributions(void **state)
{
    (void)state;
    enum { N = 4000 };
    const double lo[2] = {1e-6, 1e-6}, hi[2] = {1, 1};
    mf_options *o;
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_options_set_string(o, "log_params", "b", NULL);
    mf_optimizer *opt = make("random", o, 2, lo, hi);
    mf_options_free(o);
    static double p[N * 2], e[N];
    mf_error err;
    assert_int_equal(mf_optimizer_ask(opt, N, p, &err), MF_OK);
    int below_mid = 0, below_geo = 0;
    for (int i = 0; i < N; i++) {
        below_mid += p[2 * i] < 0.5;
        below_geo += p[2 * i + 1] < 1e-3;
        e[i] = p[2 * i];
    }
    double sd = sqrt(N * 0.25);
    assert_true(fabs((double)below_mid - N / 2.0) < 6 * sd);
    assert_true(fabs((double)below_geo - N / 2.0) < 6 * sd);
    assert_int_equal(mf_optimizer_tell(opt, N, p, e, &err), MF_OK);
    mf_optimizer_free(opt);
}

static void test_random_log_refusals(void **state)
{
    (void)state;
    const double lo[2] = {0, 1}, hi[2] = {1, 2};
    static const char *const names[2] = {"g", "tau"};
    mf_options *o;
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_options_set_bool(o, "log_scale", true, NULL);
    mf_optimizer *opt;
    mf_error err;
    assert_int_equal(mf_optimizer_new(ctx, "random", o, &opt, &err), MF_OK);
    assert_int_equal(mf_optimizer_start(opt, 2, names, lo, hi, &err), MF_ERR_PLUGIN);
    expect_text(err.message, "parameter 'g' is sampled log-uniformly but its lower bound 0 is "
                             "not > 0");
    mf_optimizer_free(opt);
    mf_options_set_bool(o, "log_scale", false, NULL);
    mf_options_set_string(o, "log_params", "tau, gg", NULL);
    assert_int_equal(mf_optimizer_new(ctx, "random", o, &opt, &err), MF_OK);
    assert_int_equal(mf_optimizer_start(opt, 2, names, lo, hi, &err), MF_ERR_PLUGIN);
    expect_text(err.message, "log_params names 'gg', which is not a fitted parameter");
    mf_optimizer_free(opt);
    mf_options_free(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_de_sphere),
        cmocka_unit_test(test_de_rosenbrock),
        cmocka_unit_test(test_de_seeded),
        cmocka_unit_test(test_de_population_is_fixed),
        cmocka_unit_test(test_de_stays_in_bounds),
        cmocka_unit_test(test_grid_order_and_end),
        cmocka_unit_test(test_grid_single_point_is_middle),
        cmocka_unit_test(test_random_distributions),
        cmocka_unit_test(test_random_log_refusals),
    };
    return cmocka_run_group_tests(tests, plugin_setup, plugin_teardown);
}
