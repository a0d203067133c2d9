/* Nothing done is lost (modelfit/fitter.h): a round is atomic (history and
 * optimizer together or neither), a checkpoint can be written on demand
 * after an interruption or a failure, a resume whose optimizer state fails
 * to load leaves the fit as it was, and a checkpoint or history path that
 * cannot be written is refused before round 1.
 *
 * The truth every case is compared with is a fit that was never
 * interrupted: DE with a fixed seed gives the same history bit for bit. */
#include "checkpoint/ckpt_test.h"

#include "checkpoint.h"
#include "fitter.h"

enum { N_SAMPLES = 8 };

/* The base fit, with another optimizer when one is named. */
static void case_new(fit_case *c, mf_context *ctx, const char *optimizer)
{
    ckpt_case_new(c, ctx, &(ckpt_variant){.opt = optimizer, .n_samples = N_SAMPLES});
}

/* The reference: n_rounds in one call. */
static void reference(mf_context *ctx, fit_case *ref, int n_rounds)
{
    case_new(ref, ctx, NULL);
    FT_OK(case_fit(ref, n_rounds, NULL, NULL, err));
}

static void expect_fail(mf_status rc, mf_status want, const mf_error *e, const char *part)
{
    if (rc != want)
        fail_msg("status %d (%s), wanted %d", (int)rc, e->message, (int)want);
    assert_contains(e->message, part);
}

/* ---- an evaluation that fails once ------------------------------------------------ */

static int flaky_calls, flaky_fail_at;

/* The fitter's evaluation, failing at call number flaky_fail_at (from 1). */
static mf_status flaky_evaluate(mf_fitter *f, int n, const double *points, double iteration,
                                double *errors, double *norm, double *raw, mf_error *err)
{
    if (++flaky_calls == flaky_fail_at)
        return mf_error_set(err, MF_ERR_NUMERIC, "the simulation failed (on purpose)");
    return mf_fitter_evaluate(f, n, points, iteration, errors, norm, raw, err);
}

/* Round 3's evaluation fails: the fit stops with that error, the round is
 * neither in the history nor told to the optimizer; a checkpoint written
 * then holds rounds 1-2; the next fit redoes round 3 with the same points,
 * and both it and a resume from the checkpoint end with the reference's
 * history. */
static void test_failed_round_is_redone(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    fit_case ref, a, b;
    reference(ctx, &ref, 4);
    char ck[600];
    path_in_work("failed_round.ckpt", ck, sizeof ck);

    case_new(&a, ctx, NULL);
    a.f->evaluate = flaky_evaluate;
    flaky_calls = 0;
    flaky_fail_at = 3;
    mf_error e;
    expect_fail(case_fit(&a, 4, NULL, NULL, &e), MF_ERR_NUMERIC, &e, "failed (on purpose)");
    assert_int_equal(mf_fitter_history_size(a.f), 2 * N_SAMPLES);
    assert_int_equal(mf_fitter_iteration(a.f), 1);
    FT_OK(mf_fitter_write_checkpoint(a.f, ck, err));
    /* The next fit asks again and gets round 3's points again. */
    FT_OK(case_fit(&a, 2, NULL, NULL, err));
    assert_same_history(ref.f, a.f);

    /* The checkpoint is fit call 1 after 2 of its 4 rounds. */
    case_new(&b, ctx, NULL);
    FT_OK(mf_fitter_resume(b.f, ck, err));
    FT_OK(case_fit(&b, 4, NULL, NULL, err));
    assert_same_history(ref.f, b.f);
    case_free(&b);
    case_free(&a);
    case_free(&ref);
    mf_context_free(ctx);
}

/* The same with a checkpoint set: the one written when the fit fails holds
 * the rounds before the failed one. */
static void test_failed_round_checkpoint(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    fit_case ref, a, b;
    reference(ctx, &ref, 5);
    char ck[600];
    path_in_work("failed_round_set.ckpt", ck, sizeof ck);
    case_new(&a, ctx, NULL);
    FT_OK(mf_fitter_set_checkpoint(a.f, ck, 1, err));
    a.f->evaluate = flaky_evaluate;
    flaky_calls = 0;
    flaky_fail_at = 4;
    mf_error e;
    expect_fail(case_fit(&a, 5, NULL, NULL, &e), MF_ERR_NUMERIC, &e, "failed (on purpose)");
    assert_int_equal(mf_fitter_history_size(a.f), 3 * N_SAMPLES);
    case_free(&a);
    case_new(&b, ctx, NULL);
    FT_OK(mf_fitter_resume(b.f, ck, err));
    FT_OK(case_fit(&b, 5, NULL, NULL, err));
    assert_same_history(ref.f, b.f);
    case_free(&b);
    case_free(&ref);
    mf_context_free(ctx);
}

/* ---- interrupted without a checkpoint -------------------------------------------- */

typedef struct at_round {
    int round;
    const char *ckpt; /* written from the callback at `round` */
    mf_fitter *stop;  /* stop requested at `round` */
} at_round;

static int round_cb(void *user, const mf_fitter *f, int round, int n_rounds, const double *best,
                    double best_error, int n_points, const double *points, const double *errors)
{
    (void)n_rounds, (void)best, (void)best_error, (void)n_points, (void)points, (void)errors;
    at_round *a = user;
    if (round == a->round && a->ckpt)
        FT_OK(mf_fitter_write_checkpoint(f, a->ckpt, err));
    if (round == a->round && a->stop)
        mf_fitter_request_stop(a->stop);
    return 0;
}

static void test_interrupt_then_write(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    fit_case ref, a, b, c;
    reference(ctx, &ref, 6);
    char ck[600], mid[600], csv[600];
    path_in_work("interrupted.ckpt", ck, sizeof ck);
    path_in_work("from_callback.ckpt", mid, sizeof mid);
    path_in_work("interrupted.csv", csv, sizeof csv);

    /* Stopped after round 3 (index 2); a checkpoint was also written from
     * the callback of round 2 (index 1). No checkpoint path is set. */
    case_new(&a, ctx, NULL);
    at_round stop = {2, NULL, a.f};
    mf_error e;
    expect_fail(case_fit(&a, 6, round_cb, &stop, &e), MF_ERR_STOPPED, &e,
                "interrupted after 3 of 6 rounds");
    assert_int_equal(mf_fitter_history_size(a.f), 3 * N_SAMPLES);
    FT_OK(mf_fitter_write_checkpoint(a.f, ck, err));
    FT_OK(mf_fitter_write_csv(a.f, csv, err));
    case_free(&a);
    case_new(&a, ctx, NULL);
    at_round write = {1, mid, NULL};
    FT_OK(case_fit(&a, 6, round_cb, &write, err));
    case_free(&a);

    /* Each resumes to the reference. */
    case_new(&b, ctx, NULL);
    FT_OK(mf_fitter_resume(b.f, ck, err));
    FT_OK(case_fit(&b, 6, NULL, NULL, err));
    assert_same_history(ref.f, b.f);
    case_free(&b);
    case_new(&c, ctx, NULL);
    FT_OK(mf_fitter_resume(c.f, mid, err));
    FT_OK(case_fit(&c, 6, NULL, NULL, err));
    assert_same_history(ref.f, c.f);
    case_free(&c);

    /* The results file holds the 3 rounds: a header and 3 x N_SAMPLES rows. */
    char *text = ft_read_file(csv);
    assert_non_null(text);
    int lines = 0;
    for (char *p = text; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 1 + 3 * N_SAMPLES);
    free(text);
    case_free(&ref);
    mf_context_free(ctx);
}

static void test_write_refusals(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    char ck[600];
    path_in_work("refused.ckpt", ck, sizeof ck);
    fit_case a;
    case_new(&a, ctx, NULL);
    mf_error e;
    expect_fail(mf_fitter_write_checkpoint(a.f, ck, &e), MF_ERR_INVALID, &e,
                "no fit has run on this fitter yet");
    expect_fail(mf_fitter_write_checkpoint(NULL, ck, &e), MF_ERR_INVALID, &e, "no fitter");
    expect_fail(mf_fitter_write_checkpoint(a.f, NULL, &e), MF_ERR_INVALID, &e, "no path");
    FT_OK(case_fit(&a, 1, NULL, NULL, err));
    expect_fail(mf_fitter_write_checkpoint(a.f, "/nonexistent-dir/x.ckpt", &e), MF_ERR_IO, &e,
                "/nonexistent-dir/x.ckpt");
    case_free(&a);

    case_new(&a, ctx, MF_TEST_BINARY_DIR "/checkpoint/nosave.so");
    FT_OK(case_fit(&a, 1, NULL, NULL, err));
    expect_fail(mf_fitter_write_checkpoint(a.f, ck, &e), MF_ERR_UNSUPPORTED, &e,
                "optimizer 'nosave' cannot save its state");
    assert_contains(e.message, "mf_fitter_write_csv");
    assert_int_equal(access(ck, F_OK), -1);
    case_free(&a);
    mf_context_free(ctx);
}

/* ---- paths refused before round 1 ------------------------------------------------- */

static int count_cb(void *user, const mf_fitter *f, int round, int n_rounds, const double *best,
                    double best_error, int n_points, const double *points, const double *errors)
{
    (void)f, (void)round, (void)n_rounds, (void)best, (void)best_error, (void)n_points,
        (void)points, (void)errors;
    ++*(int *)user;
    return 0;
}

static void expect_path_refused(fit_case *c, const char *part)
{
    int rounds = 0;
    mf_error e;
    expect_fail(case_fit(c, 2, count_cb, &rounds, &e), MF_ERR_IO, &e, part);
    assert_int_equal(rounds, 0);
    assert_int_equal(mf_fitter_history_size(c->f), N_SAMPLES); /* the first fit's */
}

static void test_unwritable_paths(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    fit_case a;
    case_new(&a, ctx, NULL);
    FT_OK(case_fit(&a, 1, NULL, NULL, err));
    FT_OK(mf_fitter_set_checkpoint(a.f, "/nonexistent-dir/fit.ckpt", 1, err));
    expect_path_refused(&a, "cannot write the checkpoint '/nonexistent-dir/fit.ckpt': No such "
                            "file or directory (its directory '/nonexistent-dir' must exist");
    FT_OK(mf_fitter_set_checkpoint(a.f, ckpt_work, 1, err));
    expect_path_refused(&a, "it is a directory");
    FT_OK(mf_fitter_set_checkpoint(a.f, NULL, 0, err));
    FT_OK(mf_fitter_set_history_file(a.f, "/nonexistent-dir/h.csv", err));
    expect_path_refused(&a, "cannot write the history file '/nonexistent-dir/h.csv'");
    /* A directory without write permission (root writes anyway: skipped
     * then, the other refusals stand). */
    char ro[600], path[700];
    path_in_work("read_only", ro, sizeof ro);
    assert_int_equal(mkdir(ro, 0555), 0);
    snprintf(path, sizeof path, "%s/fit.ckpt", ro);
    FT_OK(mf_fitter_set_history_file(a.f, NULL, err));
    FT_OK(mf_fitter_set_checkpoint(a.f, path, 1, err));
    if (access(ro, W_OK) != 0)
        expect_path_refused(&a, "Permission denied");
    /* Nothing was left behind by the checks. */
    FT_OK(mf_fitter_set_checkpoint(a.f, NULL, 0, err));
    FT_OK(case_fit(&a, 1, NULL, NULL, err));
    chmod(ro, 0755);
    case_free(&a);
    mf_context_free(ctx);
}

/* ---- a resume whose optimizer state fails to load --------------------------------- */

/* Rewrites the checkpoint with the DE state's dimension count changed:
 * DE's load refuses it, every check before (checksum, fingerprint) passes. */
static void spoil_optimizer_state(const char *path)
{
    unsigned char *data;
    size_t n, pn;
    const void *payload;
    FT_OK(mf_ckpt_read(path, &data, &n, &payload, &pn, err));
    unsigned char *copy = malloc(pn);
    assert_non_null(copy);
    memcpy(copy, payload, pn);
    unsigned char *magic = NULL;
    for (size_t i = 0; !magic && i + 8 <= pn; i++)
        if (memcmp(copy + i, "MFOPT001", 8) == 0)
            magic = copy + i;
    assert_non_null(magic);
    /* The host's header: magic, abi, n_dims, rng, flags, best_error,
     * best[2], length; then DE's u32 n_dims. */
    size_t at = (size_t)(magic - copy) + 8 + 4 + 4 + 32 + 8 + 8 + 2 * 8 + 8;
    uint32_t dims;
    memcpy(&dims, copy + at, 4);
    assert_int_equal(dims, 2);
    dims = 7;
    memcpy(copy + at, &dims, 4);
    FT_OK(mf_ckpt_write(path, copy, pn, err));
    free(copy);
    free(data);
}

static void test_failed_resume_keeps_optimizer(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    char ck[600];
    path_in_work("spoilt.ckpt", ck, sizeof ck);
    /* The reference: 2 calls of 2 rounds. */
    fit_case ref, w, a;
    reference(ctx, &ref, 2);
    FT_OK(case_fit(&ref, 2, NULL, NULL, err));
    /* A checkpoint of call 2, spoilt. */
    case_new(&w, ctx, NULL);
    FT_OK(case_fit(&w, 2, NULL, NULL, err));
    FT_OK(mf_fitter_set_checkpoint(w.f, ck, 0, err));
    FT_OK(case_fit(&w, 1, NULL, NULL, err));
    case_free(&w);
    spoil_optimizer_state(ck);

    /* Call 2 meets it: refused when the DE state is loaded. */
    case_new(&a, ctx, NULL);
    FT_OK(case_fit(&a, 2, NULL, NULL, err));
    FT_OK(mf_fitter_resume(a.f, ck, err));
    mf_error e;
    expect_fail(case_fit(&a, 2, NULL, NULL, &e), MF_ERR_PLUGIN, &e,
                "the saved state is not of a DE in 2 dimensions");
    assert_contains(e.message, ck);
    assert_int_equal(mf_fitter_history_size(a.f), 2 * N_SAMPLES);
    /* The DE population of call 1 is still there: without the resume the
     * fit goes on as the reference did. */
    FT_OK(mf_fitter_resume(a.f, NULL, err));
    FT_OK(case_fit(&a, 2, NULL, NULL, err));
    assert_same_history(ref.f, a.f);
    case_free(&a);
    case_free(&ref);
    mf_context_free(ctx);
}

/* ---- another instance of the same optimizer -------------------------------------- */

static void test_same_plugin_other_instance(void **state)
{
    (void)state;
    mf_context *ctx = ft_context(1);
    fit_case a;
    case_new(&a, ctx, "random");
    FT_OK(case_fit(&a, 1, NULL, NULL, err));
    mf_optimizer *other = ft_optimizer(ctx, "random", 3);
    mf_optimizer *grid = ft_optimizer(ctx, "grid", 0);
    mf_error e;
    expect_fail(
        mf_fitter_fit(a.f, other, NULL, 1, 0, NULL, NULL, NULL, NULL, NULL, false, -1, &e),
        MF_ERR_INVALID, &e,
        "a different optimizer instance (same plugin 'random'): pass the same "
        "instance to continue, or restart = true");
    expect_fail(
        mf_fitter_fit(a.f, grid, NULL, 1, 0, NULL, NULL, NULL, NULL, NULL, false, -1, &e),
        MF_ERR_INVALID, &e, "(it was 'random', now 'grid')");
    assert_int_equal(mf_fitter_history_size(a.f), N_SAMPLES);
    FT_OK(mf_fitter_fit(a.f, other, NULL, 1, 0, NULL, NULL, NULL, NULL, NULL, true, -1, err));
    assert_int_equal(mf_fitter_history_size(a.f), N_SAMPLES);
    mf_optimizer_free(grid);
    case_free(&a);
    mf_optimizer_free(other);
    mf_context_free(ctx);
}

static int make_work(void **state)
{
    (void)state;
    return ckpt_make_work("a");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failed_round_is_redone),
        cmocka_unit_test(test_failed_round_checkpoint),
        cmocka_unit_test(test_interrupt_then_write),
        cmocka_unit_test(test_write_refusals),
        cmocka_unit_test(test_unwritable_paths),
        cmocka_unit_test(test_failed_resume_keeps_optimizer),
        cmocka_unit_test(test_same_plugin_other_instance),
    };
    return cmocka_run_group_tests(tests, make_work, ckpt_remove_work);
}
