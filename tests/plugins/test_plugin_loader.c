/* core/plugin.c and the instance guards: deliberately broken plugins
 * (tests/plugins/broken/, built by tests/plugins/CMakeLists.txt) are
 * refused, or contained when they misbehave, each with a message naming
 * the file and the plugin; never a crash (this test also runs under ASan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modelfit/modelfit.h"

#define BROKEN_DIR MF_TEST_BINARY_DIR "/plugins/broken"

static void expect_text(const char *message, const char *needle)
{
    if (!strstr(message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", message, needle);
}

static mf_context *new_context(const char *plugin_path)
{
    if (plugin_path)
        setenv("MODELFIT_PLUGIN_PATH", plugin_path, 1);
    else
        unsetenv("MODELFIT_PLUGIN_PATH");
    mf_context *ctx;
    assert_int_equal(mf_context_new(&ctx, NULL), MF_OK);
    return ctx;
}

/* Loads one broken file by path and expects a refusal mentioning it. */
static void expect_refused(const char *file, const char *needle)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", BROKEN_DIR, file);
    mf_context *ctx = new_context(MF_PLUGIN_BUILD_DIR);
    const mf_plugin_info *info;
    mf_error err;
    mf_status st = mf_plugins_find(ctx, path, 0, &info, &err);
    if (st == MF_OK)
        fail_msg("%s was accepted", file);
    expect_text(err.message, path);
    expect_text(err.message, needle);
    print_message("  %s\n", err.message);
    /* Asking again gives the same reason, and the refusal is listed. */
    assert_int_not_equal(mf_plugins_find(ctx, path, 0, &info, &err), MF_OK);
    expect_text(err.message, path);
    size_t n = mf_plugins_refusal_count(ctx);
    assert_true(n > 0);
    bool listed = false;
    for (size_t i = 0; i < n; i++)
        listed = listed || strstr(mf_plugins_refusal(ctx, i), path);
    assert_true(listed);
    mf_context_free(ctx);
}

static void test_wrong_abi_major(void **state)
{
    (void)state;
    expect_refused("abi_major.so", "uses plugin ABI 2.0, but this modelfit supports ABI 1.1");
}

static void test_newer_abi_minor(void **state)
{
    (void)state;
    expect_refused("abi_minor.so", "uses plugin ABI 1.99, but this modelfit supports ABI 1.1");
}

static void test_missing_entry_symbol(void **state)
{
    (void)state;
    expect_refused("no_entry.so", "no symbol mf_plugin_entry");
}

static void test_oversized_struct(void **state)
{
    (void)state;
    char needle[128];
    snprintf(needle, sizeof needle, "descriptor of %zu bytes, larger than the %zu bytes",
             sizeof(mf_plugin) + 64, sizeof(mf_plugin));
    expect_refused("oversized.so", needle);
}

/* ABI 1.1 appended metric_weights: a descriptor claiming 1.0 cannot be
 * larger than 1.0's, and a 1.0 metric keeps working without them. */
static void test_abi_1_0_oversized(void **state)
{
    (void)state;
    char needle[128];
    snprintf(needle, sizeof needle,
             "descriptor of %zu bytes, larger than the %zu bytes ABI 1.0", sizeof(mf_plugin),
             offsetof(mf_plugin, metric_weights));
    expect_refused("abi_1_0_oversized.so", needle);
}

static void test_abi_1_0_metric_works(void **state)
{
    (void)state;
    mf_context *ctx = new_context(BROKEN_DIR);
    mf_metric *m;
    mf_error err;
    assert_int_equal(mf_metric_new(ctx, "old_metric", NULL, &m, &err), MF_OK);
    const mf_plugin *d = mf_plugin_info_descriptor(mf_metric_plugin(m));
    assert_int_equal(d->abi_version, 1u << 16);
    assert_null(d->metric_weights); /* past its struct_size: zero in the host's copy */
    assert_null(d->metric_normalization);
    const double target[4] = {1, 2, 3, 4}, model[4] = {1, 2, 3, 6};
    const double *rows[1] = {model};
    uint32_t trace[1] = {0};
    double e;
    assert_int_equal(mf_metric_prepare_traces(m, 0.1, 1, 4, target, &err), MF_OK);
    assert_int_equal(mf_metric_errors(m, 1, trace, rows, 1, &e, &err), MF_OK);
    assert_true(e == 1.0); /* (6 - 4)^2 / 4 */
    assert_false(mf_metric_has_weights(m));
    double w[4], n, dims[MF_N_BASE_UNITS];
    assert_int_equal(mf_metric_weights(m, w, &err), MF_ERR_UNSUPPORTED);
    expect_text(err.message, "does not describe itself as a weighted sum of squares");
    mf_metric_normalization(m, &n, dims);
    assert_true(n == 1.0 && dims[0] == 0 && dims[3] == 0);
    mf_metric_free(m);
    mf_context_free(ctx);
}

static void test_weights_need_a_quadratic_metric(void **state)
{
    (void)state;
    expect_refused("weights_power.so", "has metric_weights, which describe a trace metric of "
                                       "error power 2");
    expect_refused("weights_normalization.so",
                   "names 'label' as its metric_normalization, which is not a quantity or "
                   "double option");
}

static void test_undersized_struct(void **state)
{
    (void)state;
    expect_refused("undersized.so", "descriptor of 16 bytes, smaller than ABI 1.0's");
}

static void test_empty_name(void **state)
{
    (void)state;
    expect_refused("empty_name.so", "has an empty or invalid name");
}

static void test_missing_callbacks(void **state)
{
    (void)state;
    expect_refused("missing_callback.so",
                   "optimizer 'save_no_load' lacks the required callback "
                   "optimizer_load");
    expect_refused("missing_callback.so", "");
    mf_context *ctx = new_context(BROKEN_DIR);
    size_t n;
    assert_int_equal(mf_plugins_count(ctx, &n, NULL), MF_OK);
    bool no_tell = false;
    for (size_t i = 0; i < mf_plugins_refusal_count(ctx); i++)
        no_tell = no_tell || strstr(mf_plugins_refusal(ctx, i),
                                    "optimizer 'no_tell' lacks the required callback "
                                    "optimizer_tell");
    assert_true(no_tell);
    mf_context_free(ctx);
}

static void test_bad_option_tables(void **state)
{
    (void)state;
    mf_context *ctx = new_context(BROKEN_DIR);
    size_t n;
    assert_int_equal(mf_plugins_count(ctx, &n, NULL), MF_OK);
    const char *want[] = {"plugin 'bad_unit': option 'window': unit 'furlong'",
                          "plugin 'option_twice' declares option 'a' twice",
                          "plugin 'half_int': option 'n' is an int with default 2.5",
                          "optimizer 'own_seed' declares option 'seed'"};
    for (size_t w = 0; w < 4; w++) {
        bool found = false;
        for (size_t i = 0; i < mf_plugins_refusal_count(ctx); i++)
            found = found || strstr(mf_plugins_refusal(ctx, i), want[w]);
        if (!found)
            fail_msg("no refusal says \"%s\"", want[w]);
    }
    mf_context_free(ctx);
}

static void test_no_plugins_and_unloadable(void **state)
{
    (void)state;
    expect_refused("no_plugins.so", "mf_plugin_entry(0) returned NULL");
    expect_refused("unloadable.so", "cannot be loaded: ");
    expect_refused("unloadable.so", "undefined symbol: mf_test_no_such_descriptor");
    char path[4096];
    snprintf(path, sizeof path, "%s/does_not_exist.so", BROKEN_DIR);
    mf_context *ctx = new_context(NULL);
    const mf_plugin_info *info;
    mf_error err;
    assert_int_equal(mf_plugins_find(ctx, path, 0, &info, &err), MF_ERR_IO);
    expect_text(err.message, "does not exist");
    mf_context_free(ctx);
}

/* A directory full of broken plugins: scanning survives, the misbehaving
 * (but valid) ones are registered, the broken ones listed. */
static void test_scan_broken_directory(void **state)
{
    (void)state;
    mf_context *ctx = new_context(BROKEN_DIR);
    size_t n;
    mf_error err;
    assert_int_equal(mf_plugins_count(ctx, &n, &err), MF_OK);
    const mf_plugin_info *info;
    assert_int_equal(mf_plugins_find(ctx, "nan_points", MF_PLUGIN_OPTIMIZER, &info, &err),
                     MF_OK);
    assert_int_equal(mf_plugins_find(ctx, "de", MF_PLUGIN_OPTIMIZER, &info, &err), MF_OK);
    assert_int_equal(mf_plugins_find(ctx, "abi_major", 0, &info, &err), MF_ERR_NAME);
    expect_text(err.message, "no plugin named 'abi_major'; available: ");
    /* abi_major, abi_minor, abi_1_0_oversized, bad_options x4, duplicate,
     * empty_name, missing_callback x2, no_entry, no_plugins, oversized,
     * undersized, unloadable, weights_power, weights_normalization */
    assert_true(mf_plugins_refusal_count(ctx) >= 18);
    mf_context_free(ctx);
}

static void test_duplicate_first_wins(void **state)
{
    (void)state;
    mf_context *ctx = new_context(BROKEN_DIR);
    size_t n;
    assert_int_equal(mf_plugins_count(ctx, &n, NULL), MF_OK);
    const mf_plugin_info *info;
    assert_int_equal(mf_plugins_find(ctx, "twin", MF_PLUGIN_OPTIMIZER, &info, NULL), MF_OK);
    assert_string_equal(mf_plugin_info_descriptor(info)->version, "1");
    int twins = 0, shadowed = 0;
    for (size_t i = 0; i < n; i++) {
        const mf_plugin_info *p = mf_plugins_at(ctx, i);
        if (strcmp(mf_plugin_info_descriptor(p)->name, "twin") == 0) {
            twins++;
            shadowed += mf_plugin_info_shadowed(p);
        }
    }
    assert_int_equal(twins, 2);
    assert_int_equal(shadowed, 1);
    bool noted = false;
    for (size_t i = 0; i < mf_plugins_refusal_count(ctx); i++)
        noted = noted || strstr(mf_plugins_refusal(ctx, i), "optimizer 'twin' is shadowed");
    assert_true(noted);
    mf_context_free(ctx);
}

/* The build tree's de shadows... nothing: but a path to it still loads it
 * once, not twice. */
static void test_same_file_loaded_once(void **state)
{
    (void)state;
    mf_context *ctx = new_context(MF_PLUGIN_BUILD_DIR);
    size_t n1, n2;
    assert_int_equal(mf_plugins_count(ctx, &n1, NULL), MF_OK);
    const mf_plugin_info *a, *b;
    assert_int_equal(mf_plugins_find(ctx, MF_PLUGIN_BUILD_DIR "/de.so", 0, &a, NULL), MF_OK);
    assert_int_equal(mf_plugins_find(ctx, "de", 0, &b, NULL), MF_OK);
    assert_ptr_equal(a, b);
    assert_int_equal(mf_plugins_count(ctx, &n2, NULL), MF_OK);
    assert_int_equal(n1, n2);
    mf_context_free(ctx);
}

/* ---- misbehaving plugins at run time ------------------------------------ */

static const char *const names[2] = {"a", "b"};
static const double lo[2] = {0, -1}, hi[2] = {1, 1};

static mf_optimizer *broken_optimizer(mf_context *ctx, const char *name)
{
    mf_optimizer *opt;
    mf_error err;
    if (mf_optimizer_new(ctx, name, NULL, &opt, &err) != MF_OK)
        fail_msg("%s", err.message);
    return opt;
}

static void expect_start_fails(mf_context *ctx, const char *name, const char *needle)
{
    mf_optimizer *opt = broken_optimizer(ctx, name);
    mf_error err;
    assert_int_equal(mf_optimizer_start(opt, 2, names, lo, hi, &err), MF_ERR_PLUGIN);
    expect_text(err.message, needle);
    double p[2];
    assert_int_equal(mf_optimizer_ask(opt, 1, p, &err), MF_ERR_INVALID); /* not started */
    mf_optimizer_free(opt);
}

static void expect_ask_fails(mf_context *ctx, const char *name, const char *needle)
{
    mf_optimizer *opt = broken_optimizer(ctx, name);
    mf_error err;
    assert_int_equal(mf_optimizer_start(opt, 2, names, lo, hi, &err), MF_OK);
    double p[3 * 2];
    assert_int_equal(mf_optimizer_ask(opt, 3, p, &err), MF_ERR_PLUGIN);
    expect_text(err.message, needle);
    print_message("  %s\n", err.message);
    mf_optimizer_free(opt);
}

static void test_misbehaving_optimizers(void **state)
{
    (void)state;
    mf_context *ctx = new_context(BROKEN_DIR);
    expect_start_fails(ctx, "fail_create",
                       "optimizer 'fail_create' (" BROKEN_DIR
                       "/misbehaving.so): optimizer_create "
                       "failed: cannot start: the moon is in the wrong phase");
    expect_start_fails(ctx, "null_state", "optimizer_create succeeded but gave no state");
    expect_ask_fails(ctx, "silent_ask", "optimizer_ask failed: (the plugin gave no message)");
    expect_ask_fails(ctx, "nan_points",
                     "optimizer_ask returned point 2 with b = nan, outside "
                     "its bounds [-1, 1]");
    expect_ask_fails(ctx, "outside_points", "returned point 0 with a = 2, outside its bounds");
    expect_ask_fails(ctx, "lazy_ask", "returned point 0 with a = nan");

    mf_optimizer *opt = broken_optimizer(ctx, "failing_tell");
    mf_error err;
    double p[2], e[1] = {1};
    assert_int_equal(mf_optimizer_start(opt, 2, names, lo, hi, &err), MF_OK);
    assert_int_equal(mf_optimizer_ask(opt, 1, p, &err), MF_OK);
    assert_int_equal(mf_optimizer_tell(opt, 1, p, e, &err), MF_ERR_PLUGIN);
    expect_text(err.message, "optimizer_tell failed: tell refuses");
    mf_optimizer_free(opt);

    opt = broken_optimizer(ctx, "outside_recommend");
    assert_int_equal(mf_optimizer_start(opt, 2, names, lo, hi, &err), MF_OK);
    double best[2], be;
    assert_int_equal(mf_optimizer_recommend(opt, best, &be, &err), MF_ERR_INVALID);
    assert_int_equal(mf_optimizer_ask(opt, 1, p, &err), MF_OK);
    assert_int_equal(mf_optimizer_tell(opt, 1, p, e, &err), MF_OK);
    assert_int_equal(mf_optimizer_recommend(opt, best, &be, &err), MF_ERR_PLUGIN);
    expect_text(err.message, "optimizer_recommend returned point 0 with a = -1");
    mf_optimizer_free(opt);

    opt = broken_optimizer(ctx, "liar_save");
    assert_int_equal(mf_optimizer_start(opt, 2, names, lo, hi, &err), MF_OK);
    size_t len;
    assert_int_equal(mf_optimizer_save(opt, NULL, 0, &len, &err), MF_OK);
    unsigned char *buf = malloc(len);
    assert_int_equal(mf_optimizer_save(opt, buf, len, &len, &err), MF_ERR_PLUGIN);
    expect_text(err.message, "announced 16 bytes but wrote 8");
    free(buf);
    mf_optimizer_free(opt);
    mf_context_free(ctx);
}

/* The host's own rules around ask and tell. */
static void test_ask_tell_protocol(void **state)
{
    (void)state;
    mf_context *ctx = new_context(MF_PLUGIN_BUILD_DIR);
    mf_optimizer *opt = broken_optimizer(ctx, "random");
    mf_error err;
    const double bad_lo[2] = {0, 1}, bad_hi[2] = {1, 1};
    assert_int_equal(mf_optimizer_start(opt, 2, names, bad_lo, bad_hi, &err), MF_ERR_INVALID);
    expect_text(err.message, "parameter 'b': bounds [1, 1] must be finite with lower < upper");
    assert_int_equal(mf_optimizer_start(opt, 2, names, lo, hi, &err), MF_OK);
    double p[4], q[4], e[2] = {1, NAN};
    assert_int_equal(mf_optimizer_tell(opt, 2, p, e, &err), MF_ERR_INVALID);
    expect_text(err.message, "no ask to answer");
    assert_int_equal(mf_optimizer_ask(opt, 2, p, &err), MF_OK);
    /* Asked again before the tell: the same points (the plugin is not
     * asked twice); another count is refused. */
    assert_int_equal(mf_optimizer_ask(opt, 2, q, &err), MF_OK);
    assert_memory_equal(p, q, sizeof q);
    assert_int_equal(mf_optimizer_ask(opt, 1, q, &err), MF_ERR_INVALID);
    expect_text(err.message, "the previous 2 points were not told yet");
    assert_int_equal(mf_optimizer_tell(opt, 1, p, e, &err), MF_ERR_INVALID);
    memcpy(q, p, sizeof q);
    q[0] = q[0] / 2 + 0.25;
    assert_int_equal(mf_optimizer_tell(opt, 2, q, e, &err), MF_ERR_INVALID);
    expect_text(err.message, "differ from those of the last ask");
    double neg[2] = {-1, 0};
    assert_int_equal(mf_optimizer_tell(opt, 2, p, neg, &err), MF_ERR_INVALID);
    assert_int_equal(mf_optimizer_tell(opt, 2, p, e, &err), MF_OK);
    double best[2], be;
    assert_int_equal(mf_optimizer_recommend(opt, best, &be, &err), MF_OK);
    assert_true(be == 1 && best[0] == p[0] && best[1] == p[1]); /* NaN never wins */
    mf_optimizer_free(opt);
    mf_optimizer_free(NULL);

    assert_int_equal(mf_optimizer_new(ctx, "mse", NULL, &opt, &err), MF_ERR_NAME);
    expect_text(err.message, "no optimizer named 'mse'; available: de, grid, random");
    mf_options *o;
    assert_int_equal(mf_options_new(&o, NULL), MF_OK);
    mf_options_set_int(o, "pints", 3, NULL);
    assert_int_equal(mf_optimizer_new(ctx, "grid", o, &opt, &err), MF_ERR_NAME);
    expect_text(err.message, "optimizer 'grid' has no option 'pints'; valid options: points, "
                             "points_per_param, seed");
    mf_options_free(o);
    mf_context_free(ctx);
}

/* The pending-tell rule (plugin_optimizer.c) with a plugin that fails
 * when asked twice without a tell and proposes a point outside the bounds
 * at its second ask: the wrapper and the plugin never disagree about a
 * tell being due. */
static void test_pending_tell(void **state)
{
    (void)state;
    mf_context *ctx = new_context(BROKEN_DIR);
    mf_optimizer *opt = broken_optimizer(ctx, "strict_outside");
    mf_error err;
    double p[2 * 2], q[2 * 2], e[2] = {1, 2};
    assert_int_equal(mf_optimizer_start(opt, 2, names, lo, hi, &err), MF_OK);
    /* An evaluation that failed asks again: the same points, no plugin
     * call (which would fail with "asked again without a tell"). */
    assert_int_equal(mf_optimizer_ask(opt, 2, p, &err), MF_OK);
    assert_int_equal(mf_optimizer_ask(opt, 2, q, &err), MF_OK);
    assert_memory_equal(p, q, sizeof p);
    assert_int_equal(mf_optimizer_tell(opt, 2, p, e, &err), MF_OK);
    size_t len, len2;
    assert_int_equal(mf_optimizer_save(opt, NULL, 0, &len, &err), MF_OK);
    unsigned char *saved = malloc(len);
    assert_non_null(saved);
    assert_int_equal(mf_optimizer_save(opt, saved, len, &len, &err), MF_OK);

    /* Its second ask goes outside the bounds: refused, and from then on
     * the plugin waits for a tell the host will never give. */
    assert_int_equal(mf_optimizer_ask(opt, 2, p, &err), MF_ERR_PLUGIN);
    expect_text(err.message, "returned point 0 with a = 2, outside its bounds");
    assert_int_equal(mf_optimizer_ask(opt, 2, p, &err), MF_ERR_INVALID);
    expect_text(err.message, "optimizer 'strict_outside' proposed points outside its bounds "
                             "earlier and still waits for their errors");
    assert_int_equal(mf_optimizer_tell(opt, 2, p, e, &err), MF_ERR_INVALID);
    assert_int_equal(mf_optimizer_save(opt, NULL, 0, &len2, &err), MF_ERR_INVALID);

    /* A load replaces the state (this plugin loads only into a fresh
     * one): the plugin is asked again, its ask 2, outside again (the
     * plugin's refusal, not the wrapper's). */
    assert_int_equal(mf_optimizer_load(opt, saved, len, &err), MF_OK);
    assert_int_equal(mf_optimizer_ask(opt, 2, p, &err), MF_ERR_PLUGIN);
    expect_text(err.message, "outside its bounds");
    /* A saved count far past 2 (its high byte set): inside. */
    saved[len - 1] = 0x7f;
    assert_int_equal(mf_optimizer_load(opt, saved, len, &err), MF_OK);
    assert_int_equal(mf_optimizer_ask(opt, 2, p, &err), MF_OK);
    assert_int_equal(mf_optimizer_tell(opt, 2, p, e, &err), MF_OK);

    /* A start makes a fresh state: ask 1 and 2 again. */
    assert_int_equal(mf_optimizer_start(opt, 2, names, lo, hi, &err), MF_OK);
    assert_int_equal(mf_optimizer_ask(opt, 2, p, &err), MF_OK);
    assert_int_equal(mf_optimizer_tell(opt, 2, p, e, &err), MF_OK);
    assert_int_equal(mf_optimizer_ask(opt, 2, p, &err), MF_ERR_PLUGIN);
    free(saved);
    mf_optimizer_free(opt);
    mf_context_free(ctx);
}

/* A load that fails leaves the optimizer as it was: here waiting for the
 * tell of its last ask, which still works. */
static void test_failed_load_keeps_state(void **state)
{
    (void)state;
    mf_context *ctx = new_context(BROKEN_DIR);
    mf_optimizer *opt = broken_optimizer(ctx, "strict_outside");
    mf_error err;
    double p[2], e[1] = {1};
    assert_int_equal(mf_optimizer_start(opt, 2, names, lo, hi, &err), MF_OK);
    assert_int_equal(mf_optimizer_ask(opt, 1, p, &err), MF_OK);
    assert_int_equal(mf_optimizer_tell(opt, 1, p, e, &err), MF_OK);
    size_t len;
    assert_int_equal(mf_optimizer_save(opt, NULL, 0, &len, &err), MF_OK);
    unsigned char *saved = malloc(len + 1);
    assert_non_null(saved);
    assert_int_equal(mf_optimizer_save(opt, saved, len, &len, &err), MF_OK);
    assert_int_equal(mf_optimizer_ask(opt, 1, p, &err), MF_ERR_PLUGIN); /* ask 2: outside */
    assert_int_equal(mf_optimizer_start(opt, 2, names, lo, hi, &err), MF_OK);
    assert_int_equal(mf_optimizer_ask(opt, 1, p, &err), MF_OK); /* ask 1, tell due */
    /* A state of another length: the plugin's load refuses it. */
    saved[len] = 0;
    unsigned char *longer = malloc(len + 1);
    assert_non_null(longer);
    memcpy(longer, saved, len + 1);
    uint64_t plen;
    memcpy(&plen, longer + len - 4 - 8, 8);
    plen++;
    memcpy(longer + len - 4 - 8, &plen, 8);
    assert_int_equal(mf_optimizer_load(opt, longer, len + 1, &err), MF_ERR_PLUGIN);
    expect_text(err.message, "optimizer_load failed: not my state");
    /* Still the state that was there: the tell it waits for is accepted,
     * and its next ask is ask 2 (outside). */
    assert_int_equal(mf_optimizer_tell(opt, 1, p, e, &err), MF_OK);
    assert_int_equal(mf_optimizer_ask(opt, 1, p, &err), MF_ERR_PLUGIN);
    free(longer);
    free(saved);
    mf_optimizer_free(opt);
    mf_context_free(ctx);
}

static void test_misbehaving_metrics(void **state)
{
    (void)state;
    mf_context *ctx = new_context(BROKEN_DIR);
    const double target[4] = {1, 2, 3, 4};
    const double *rows[2] = {target, target};
    uint32_t trace[2] = {0, 0};
    double errors[2];
    mf_metric *m;
    mf_error err;
    assert_int_equal(mf_metric_new(ctx, "negative_error", NULL, &m, &err), MF_OK);
    assert_int_equal(mf_metric_prepare_traces(m, 0.1, 1, 4, target, &err), MF_OK);
    assert_int_equal(mf_metric_errors(m, 2, trace, rows, 1, errors, &err), MF_ERR_PLUGIN);
    expect_text(err.message, "metric 'negative_error' (" BROKEN_DIR "/misbehaving.so): "
                             "metric_error returned error -1 for lane 1");
    trace[1] = 1;
    assert_int_equal(mf_metric_errors(m, 2, trace, rows, 1, errors, &err), MF_ERR_INVALID);
    expect_text(err.message, "lane 1 names trace 1 of 1");
    const double bad[4] = {1, NAN, 3, 4};
    assert_int_equal(mf_metric_prepare_traces(m, 0.1, 1, 4, bad, &err), MF_ERR_NUMERIC);
    expect_text(err.message, "target trace 0 has nan at step 1");
    const double *trains[1] = {target};
    size_t n_spikes[1] = {4};
    assert_int_equal(mf_metric_prepare_spikes(m, 0.1, 1, 4, trains, n_spikes, &err),
                     MF_ERR_INVALID);
    expect_text(err.message, "compares traces, not spike trains");
    mf_metric_free(m);

    assert_int_equal(mf_metric_new(ctx, "fail_metric_create", NULL, &m, &err), MF_OK);
    assert_int_equal(mf_metric_prepare_traces(m, 0.1, 1, 4, target, &err), MF_ERR_PLUGIN);
    expect_text(err.message, "metric_create failed: needs 2 traces, not 1");
    trace[1] = 0;
    assert_int_equal(mf_metric_errors(m, 2, trace, rows, 1, errors, &err), MF_ERR_INVALID);
    mf_metric_free(m);

    assert_int_equal(mf_metric_new(ctx, "failing_error", NULL, &m, &err), MF_OK);
    assert_int_equal(mf_metric_prepare_traces(m, 0.1, 1, 4, target, &err), MF_OK);
    assert_int_equal(mf_metric_errors(m, 2, trace, rows, 1, errors, &err), MF_ERR_PLUGIN);
    expect_text(err.message, "metric_error failed: lane batch rejected");
    assert_int_equal(mf_metric_online_finish(m, 2, errors, trace, errors, &err),
                     MF_ERR_UNSUPPORTED);
    mf_metric_free(m);

    /* Weights are checked: finite, >= 0; a failing callback is named. */
    double w[4];
    assert_int_equal(mf_metric_new(ctx, "negative_weights", NULL, &m, &err), MF_OK);
    assert_true(mf_metric_has_weights(m));
    assert_int_equal(mf_metric_weights(m, w, &err), MF_ERR_INVALID); /* not prepared */
    assert_int_equal(mf_metric_prepare_traces(m, 0.1, 1, 4, target, &err), MF_OK);
    assert_int_equal(mf_metric_weights(m, w, &err), MF_ERR_PLUGIN);
    expect_text(err.message, "metric_weights gave weight -0.5 for step 2");
    mf_metric_free(m);
    assert_int_equal(mf_metric_new(ctx, "failing_weights", NULL, &m, &err), MF_OK);
    assert_int_equal(mf_metric_prepare_traces(m, 0.1, 1, 4, target, &err), MF_OK);
    assert_int_equal(mf_metric_weights(m, w, &err), MF_ERR_PLUGIN);
    expect_text(err.message, "metric_weights failed: no weights today");
    mf_metric_free(m);
    mf_metric_free(NULL);
    mf_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrong_abi_major),
        cmocka_unit_test(test_newer_abi_minor),
        cmocka_unit_test(test_missing_entry_symbol),
        cmocka_unit_test(test_oversized_struct),
        cmocka_unit_test(test_abi_1_0_oversized),
        cmocka_unit_test(test_abi_1_0_metric_works),
        cmocka_unit_test(test_weights_need_a_quadratic_metric),
        cmocka_unit_test(test_undersized_struct),
        cmocka_unit_test(test_empty_name),
        cmocka_unit_test(test_missing_callbacks),
        cmocka_unit_test(test_bad_option_tables),
        cmocka_unit_test(test_no_plugins_and_unloadable),
        cmocka_unit_test(test_scan_broken_directory),
        cmocka_unit_test(test_duplicate_first_wins),
        cmocka_unit_test(test_same_file_loaded_once),
        cmocka_unit_test(test_misbehaving_optimizers),
        cmocka_unit_test(test_ask_tell_protocol),
        cmocka_unit_test(test_pending_tell),
        cmocka_unit_test(test_failed_load_keeps_state),
        cmocka_unit_test(test_misbehaving_metrics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
