/* Recording subexpressions and reading quantities at the end of a run
 * (engine.c, engine_subexpr.c): a subexpression recorded at step k is its
 * right-hand side evaluated on the state recorded at step k, with t = k*dt
 * and the input sample k; the end of the run is the state after the last
 * step (t = n_steps*dt, after any reset), with the input's last sample.
 * The truths here are the right-hand sides written out by hand on the
 * recorded variables. */
#define _XOPEN_SOURCE 700 /* nftw, mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "common/model_util.h"
#include "modelfit/context.h"

#include <ftw.h>
#include <stdlib.h>

enum { N_STEPS = 40, N_TRACES = 2, N_ROWS = 2, N_LANES = N_ROWS * N_TRACES };
static const double DT = 1e-4;

/* v grows at a rate set by the input (per trace) and p (per row); s, u, c
 * cover a subexpression of a subexpression, of time, of an input and of a
 * parameter alone (computed once per block). */
static const char *const MODEL = "dv/dt = (p + I)/ms : 1\n"
                                 "s = v*v + I + t/ms : 1\n"
                                 "u = s - 2*p : 1\n"
                                 "c = 3*p : 1\n"
                                 "p : 1 (constant)\n";

static double input[N_TRACES * N_STEPS];
static const double P[N_ROWS] = {0.5, -0.25};

static void fill_input(void)
{
    for (int tr = 0; tr < N_TRACES; tr++)
        for (int k = 0; k < N_STEPS; k++)
            input[tr * N_STEPS + k] = (tr + 1) * 0.1 * sin(0.3 * k);
}

static mf_model *compile(const char *method, mf_error *err)
{
    mf_name_def in[1] = {{"I", 0, mf_dim_none()}};
    mf_model_spec spec = {.equations = MODEL, .inputs = in, .n_inputs = 1, .method = method};
    return tu_compile(&spec, err);
}

static bool near(double a, double b)
{
    return fabs(a - b) <= 1e-12 * (1 + fabs(a) + fabs(b));
}

typedef struct rec_result {
    double *v, *s, *u, *c;  /* N_LANES x N_STEPS */
    double end[3][N_LANES]; /* v, s, u after the last step */
} rec_result;

static void run_model_with(const char *method, const mf_engine_options *opt, rec_result *res)
{
    mf_error err;
    mf_model *m = compile(method, &err);
    assert_non_null(m);
    mf_engine *e = NULL;
    assert_int_equal(mf_engine_new(m, DT, opt, &e, &err), MF_OK);
    int rec[4] = {mf_model_find_quantity(m, "v"), mf_model_find_quantity(m, "s"),
                  mf_model_find_quantity(m, "u"), mf_model_find_quantity(m, "c")};
    assert_true(rec[0] >= 0 && rec[0] < m->n_var);
    for (int i = 1; i < 4; i++)
        assert_true(rec[i] >= m->n_var);
    assert_int_equal(mf_model_find_quantity(m, "nope"), -1);
    double *outs[4] = {res->v, res->s, res->u, res->c};
    double *ends[3] = {res->end[0], res->end[1], res->end[2]};
    const double *inputs[1] = {input};
    tu_params prm = {{0}};
    tu_param(&prm, m, "p", P);
    mf_run run = {.n_lanes = N_LANES,
                  .n_traces = N_TRACES,
                  .n_steps = N_STEPS,
                  .inputs = inputs,
                  .values = prm.values,
                  .rec_vars = rec,
                  .n_rec = 4,
                  .rec_out = outs,
                  .end_vars = rec,
                  .n_end = 3,
                  .end_out = ends};
    assert_int_equal(mf_engine_run(e, &run, &err), MF_OK);
    mf_engine_free(e);
    mf_model_free(m);
}

static void run_model(const char *method, rec_result *res)
{
    run_model_with(method, NULL, res);
}

static void check_against_hand(const rec_result *r)
{
    for (int l = 0; l < N_LANES; l++) {
        int tr = l % N_TRACES;
        double p = P[l / N_TRACES];
        for (int k = 0; k < N_STEPS; k++) {
            double v = r->v[l * N_STEPS + k], in = input[tr * N_STEPS + k];
            double s = v * v + in + k * DT / 1e-3;
            assert_true(near(r->s[l * N_STEPS + k], s));
            assert_true(near(r->u[l * N_STEPS + k], s - 2 * p));
            assert_true(r->c[l * N_STEPS + k] == 3 * p);
        }
        /* The end: Euler's last step from the last recorded state, then s
         * with the last input sample (TimedArray) and t = N_STEPS*dt. */
        double v_last = r->v[l * N_STEPS + N_STEPS - 1];
        double in_last = input[tr * N_STEPS + N_STEPS - 1];
        double v_end = v_last + DT * (p + in_last) / 1e-3;
        double s_end = v_end * v_end + in_last + N_STEPS * DT / 1e-3;
        assert_true(near(r->end[0][l], v_end));
        assert_true(near(r->end[1][l], s_end));
        assert_true(near(r->end[2][l], s_end - 2 * p));
    }
}

static void test_recorded_subexpressions(void **state)
{
    (void)state;
    fill_input();
    static double buf[4][N_LANES * N_STEPS];
    rec_result r = {buf[0], buf[1], buf[2], buf[3], {{0}}};
    run_model("euler", &r);
    check_against_hand(&r);
}

/* The subexpressions are read from the state whatever advanced it: with
 * GSL's adaptive driver (which writes the variables lane by lane) they
 * still match their right-hand sides on the recorded state. */
static void test_subexpressions_after_gsl(void **state)
{
    (void)state;
    fill_input();
    static double buf[4][N_LANES * N_STEPS];
    rec_result r = {buf[0], buf[1], buf[2], buf[3], {{0}}};
    run_model("gsl_rkf45", &r);
    for (int l = 0; l < N_LANES; l++)
        for (int k = 0; k < N_STEPS; k++) {
            double v = r.v[l * N_STEPS + k];
            double s = v * v + input[(l % N_TRACES) * N_STEPS + k] + k * DT / 1e-3;
            assert_true(near(r.s[l * N_STEPS + k], s));
        }
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* The subexpressions are the engine's, not the backend's: with the native
 * backend (compiled kernels, or the interpreter when there is no compiler)
 * every recording and end value is bit for bit the interpreter's. */
static void test_native_backend_same(void **state)
{
    (void)state;
    fill_input();
    static double a[4][N_LANES * N_STEPS], b[4][N_LANES * N_STEPS];
    rec_result ra = {a[0], a[1], a[2], a[3], {{0}}}, rb = {b[0], b[1], b[2], b[3], {{0}}};
    run_model("euler", &ra);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/engine-subexpr-cache-XXXXXX", MF_TEST_BINARY_DIR);
    assert_non_null(mkdtemp(dir));
    mf_context *ctx;
    mf_error err;
    assert_int_equal(mf_context_new(&ctx, &err), MF_OK);
    assert_int_equal(mf_context_set_cache_dir(ctx, dir, &err), MF_OK);
    mf_engine_options opt = {.backend = mf_backend_native(), .ctx = ctx};
    run_model_with("euler", &opt, &rb);
    assert_memory_equal(a, b, sizeof a);
    assert_memory_equal(ra.end, rb.end, sizeof ra.end);
    mf_context_free(ctx);
    nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* Chunks carry the subexpressions too, a NULL rec_out entry records for the
 * chunks only, and both agree with the full recording. */
typedef struct chunk_check {
    const double *full; /* s, N_LANES x N_STEPS */
    int seen;
    bool ok;
} chunk_check;

static int on_chunk(void *user, const mf_chunk *c)
{
    chunk_check *cc = user;
    int ok = c->n_rec == 2;
    for (int l = 0; ok && l < c->n_lanes; l++)
        for (int j = 0; j < c->n_steps; j++) {
            double got =
                c->values[((size_t)1 * (size_t)c->n_lanes + (size_t)l) * (size_t)c->n_steps +
                          (size_t)j];
            ok = ok && got == cc->full[(c->first_lane + l) * N_STEPS + c->k0 + j];
        }
#pragma omp critical(test_chunk)
    {
        cc->seen += c->n_steps * c->n_lanes;
        cc->ok = cc->ok && ok;
    }
    return 0;
}

static void test_chunks_and_null_entries(void **state)
{
    (void)state;
    fill_input();
    static double buf[4][N_LANES * N_STEPS];
    rec_result r = {buf[0], buf[1], buf[2], buf[3], {{0}}};
    run_model("euler", &r);
    mf_error err;
    mf_model *m = compile("euler", &err);
    mf_engine *e = NULL;
    mf_engine_options opt = {.block_size = 3}; /* blocks that split the lanes */
    assert_int_equal(mf_engine_new(m, DT, &opt, &e, &err), MF_OK);
    int rec[2] = {mf_model_find_quantity(m, "v"), mf_model_find_quantity(m, "s")};
    static double v_only[N_LANES * N_STEPS];
    double *outs[2] = {v_only, NULL};
    const double *inputs[1] = {input};
    tu_params prm = {{0}};
    tu_param(&prm, m, "p", P);
    chunk_check cc = {r.s, 0, true};
    mf_run run = {.n_lanes = N_LANES,
                  .n_traces = N_TRACES,
                  .n_steps = N_STEPS,
                  .inputs = inputs,
                  .values = prm.values,
                  .rec_vars = rec,
                  .n_rec = 2,
                  .rec_out = outs,
                  .chunk_fn = on_chunk,
                  .chunk_user = &cc,
                  .chunk_steps = 7};
    assert_int_equal(mf_engine_run(e, &run, &err), MF_OK);
    assert_true(cc.ok);
    assert_int_equal(cc.seen, N_LANES * N_STEPS);
    assert_memory_equal(v_only, r.v, sizeof v_only);
    mf_engine_free(e);
    mf_model_free(m);
}

/* The end of a run comes after the last step's reset: v crosses 0.45 in
 * the last step and is reset to 0, so the end values are those of v = 0
 * (and its subexpression), not of the crossing. */
static void test_end_after_reset(void **state)
{
    (void)state;
    mf_model_spec spec = {.equations = "dv/dt = 1/ms : 1\nd = 10*v + 1 : 1\n",
                          .threshold = "v > 0.45",
                          .reset = "v = 0",
                          .method = "euler"};
    mf_error err;
    mf_model *m = tu_compile(&spec, &err);
    assert_non_null(m);
    mf_engine *e = NULL;
    assert_int_equal(mf_engine_new(m, DT, NULL, &e, &err), MF_OK);
    int q[2] = {mf_model_find_quantity(m, "v"), mf_model_find_quantity(m, "d")};
    double v5[1], d5[1], v4[1], d4[1];
    double *o5[2] = {v5, d5}, *o4[2] = {v4, d4};
    mf_run run = {.n_lanes = 1, .n_traces = 1, .n_steps = 5, .end_vars = q, .n_end = 2};
    run.end_out = o5; /* step 4 takes v from 0.4 to 0.5 > 0.45: reset */
    assert_int_equal(mf_engine_run(e, &run, &err), MF_OK);
    assert_true(v5[0] == 0.0);
    assert_true(d5[0] == 1.0);
    run.n_steps = 4;
    run.end_out = o4;
    assert_int_equal(mf_engine_run(e, &run, &err), MF_OK);
    assert_true(near(v4[0], 0.4));
    assert_true(near(d4[0], 5.0));
    /* Quantities out of range, or no place for an end value, are refused. */
    int bad[1] = {mf_model_n_quantities(m)};
    run.end_vars = bad;
    run.n_end = 1;
    assert_int_equal(mf_engine_run(e, &run, &err), MF_ERR_INVALID);
    run.end_vars = q;
    run.end_out = NULL;
    assert_int_equal(mf_engine_run(e, &run, &err), MF_ERR_INVALID);
    run.n_end = 0;
    run.rec_vars = bad;
    run.n_rec = 1;
    assert_int_equal(mf_engine_run(e, &run, &err), MF_ERR_INVALID);
    assert_non_null(strstr(err.message, "cannot record quantity"));
    /* The threshold's _spike is no quantity. */
    assert_int_equal(mf_model_find_quantity(m, "_spike"), -1);
    mf_engine_free(e);
    mf_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recorded_subexpressions),
        cmocka_unit_test(test_subexpressions_after_gsl),
        cmocka_unit_test(test_native_backend_same),
        cmocka_unit_test(test_chunks_and_null_entries),
        cmocka_unit_test(test_end_after_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
