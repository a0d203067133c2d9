/* mf_optimizer: an optimizer plugin instance, guarded. The host keeps the
 * search space, the last asked points (to hold the plugin to one tell per
 * ask) and the best point told, so a plugin without recommend still has
 * one, and checks every point the plugin proposes.
 *
 * The pending-tell rule, as the wrapper and the plugin both see it:
 *   ready      --ask ok-->             awaiting (the points are kept)
 *   awaiting   --ask, same n-->        awaiting: the kept points again, the
 *                                      plugin is not called (a fit whose
 *                                      evaluation failed asks again)
 *   awaiting   --tell ok-->            ready
 *   ready      --ask: points refused--> refused: the plugin waits for a
 *                                      tell of points the host will not
 *                                      pass on, so nothing but a start (a
 *                                      fresh state) or a load is accepted
 * A failed plugin ask or tell leaves the state as it was. */
#include "plugin.h"

#include "error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct mf_optimizer {
    mf_context *ctx;
    const mf_plugin_info *info;
    mf_host_ctx *hc; /* heap: the plugin keeps the pointer */
    void *state;     /* the plugin's, NULL until started */
    uint32_t n_dims;
    char **names;
    double *lo, *hi;
    double *asked; /* the last ask's points, while a tell is due */
    uint32_t n_asked;
    bool awaiting_tell;
    bool refused; /* the plugin's last points failed the check */
    double *best;
    double best_error;
    bool have_best;
};

/* The options every optimizer has, provided by the host. */
static const mf_option_spec host_options[] = {
    {.name = "seed",
     .type = MF_OPT_INT,
     .flags = MF_OPT_HAS_MIN,
     .default_number = 0,
     .min = 0,
     .help = "seeds the optimizer's random-number stream (host option): the same seed gives "
             "the same points"},
};

const mf_option_spec *mf_optimizer_host_options(size_t *n)
{
    if (n)
        *n = sizeof host_options / sizeof host_options[0];
    return host_options;
}

static mf_status fail(const mf_optimizer *opt, const char *callback, int result,
                      const mf_plugin_err *perr, mf_error *err)
{
    return mf_plugin_fail(err, opt->info, callback, result, perr);
}

mf_status mf_optimizer_new(mf_context *ctx, const char *name, const mf_options *opts,
                           mf_optimizer **out, mf_error *err)
{
    if (!out)
        return mf_error_set(err, MF_ERR_INVALID, "mf_optimizer_new: out is NULL");
    *out = NULL;
    const mf_plugin_info *info;
    mf_status st = mf_plugins_find(ctx, name, MF_PLUGIN_OPTIMIZER, &info, err);
    if (st)
        return st;
    mf_optimizer *opt = calloc(1, sizeof *opt);
    if (!opt || !(opt->hc = calloc(1, sizeof *opt->hc))) {
        free(opt);
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory creating an optimizer");
    }
    opt->ctx = ctx;
    opt->info = info;
    st = mf_host_ctx_init(opt->hc, ctx, info, opts, host_options,
                          sizeof host_options / sizeof host_options[0], err);
    if (st) {
        free(opt->hc);
        free(opt);
        return st;
    }
    *out = opt;
    return MF_OK;
}

static void clear_space(mf_optimizer *opt)
{
    for (uint32_t i = 0; opt->names && i < opt->n_dims; i++)
        free(opt->names[i]);
    free(opt->names);
    free(opt->lo);
    free(opt->hi);
    free(opt->asked);
    free(opt->best);
    opt->names = NULL;
    opt->lo = opt->hi = opt->asked = opt->best = NULL;
    opt->n_dims = 0;
    opt->n_asked = 0;
    opt->awaiting_tell = false;
    opt->refused = false;
    opt->have_best = false;
}

static void destroy_state(mf_optimizer *opt)
{
    if (opt->state)
        opt->info->desc.optimizer_destroy(opt->state);
    opt->state = NULL;
}

void mf_optimizer_free(mf_optimizer *opt)
{
    if (!opt)
        return;
    destroy_state(opt);
    clear_space(opt);
    mf_host_ctx_clear(opt->hc);
    free(opt->hc);
    free(opt);
}

const mf_plugin_info *mf_optimizer_plugin(const mf_optimizer *opt)
{
    return opt ? opt->info : NULL;
}

const char *mf_optimizer_name(const mf_optimizer *opt)
{
    return opt ? opt->info->desc.name : NULL;
}

uint32_t mf_optimizer_n_dims(const mf_optimizer *opt)
{
    return opt && opt->state ? opt->n_dims : 0;
}

static mf_status check_space(uint32_t n_dims, const char *const *names, const double *lo,
                             const double *hi, mf_error *err)
{
    if (n_dims == 0 || !names || !lo || !hi)
        return mf_error_set(
            err, MF_ERR_INVALID,
            "optimizer start: need at least one parameter with names and bounds");
    for (uint32_t d = 0; d < n_dims; d++) {
        if (!names[d] || !*names[d])
            return mf_error_set(err, MF_ERR_INVALID,
                                "optimizer start: parameter %u has no name", (unsigned)d);
        if (!isfinite(lo[d]) || !isfinite(hi[d]) || !(lo[d] < hi[d]))
            return mf_error_set(
                err, MF_ERR_INVALID,
                "parameter '%s': bounds [%g, %g] must be finite with lower < upper", names[d],
                lo[d], hi[d]);
    }
    return MF_OK;
}

static mf_status copy_space(mf_optimizer *opt, uint32_t n_dims, const char *const *names,
                            const double *lo, const double *hi, mf_error *err)
{
    opt->names = calloc(n_dims, sizeof *opt->names);
    opt->lo = malloc(n_dims * sizeof *opt->lo);
    opt->hi = malloc(n_dims * sizeof *opt->hi);
    opt->best = malloc(n_dims * sizeof *opt->best);
    opt->n_dims = n_dims;
    if (!opt->names || !opt->lo || !opt->hi || !opt->best)
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory starting an optimizer");
    for (uint32_t d = 0; d < n_dims; d++)
        if (!(opt->names[d] = strdup(names[d])))
            return mf_error_set(err, MF_ERR_NOMEM, "out of memory starting an optimizer");
    memcpy(opt->lo, lo, n_dims * sizeof *lo);
    memcpy(opt->hi, hi, n_dims * sizeof *hi);
    return MF_OK;
}

mf_status mf_optimizer_start(mf_optimizer *opt, uint32_t n_dims, const char *const *names,
                             const double *lo, const double *hi, mf_error *err)
{
    if (!opt)
        return mf_error_set(err, MF_ERR_INVALID, "mf_optimizer_start: optimizer is NULL");
    mf_status st = check_space(n_dims, names, lo, hi, err);
    if (st)
        return st;
    destroy_state(opt);
    clear_space(opt);
    st = copy_space(opt, n_dims, names, lo, hi, err);
    if (st) {
        clear_space(opt);
        return st;
    }
    mf_space space = {sizeof space, n_dims, (const char *const *)opt->names, opt->lo, opt->hi};
    mf_plugin_err perr = {0};
    void *state = NULL;
    int r = opt->info->desc.optimizer_create(mf_host_table(), opt->hc, &space, &state, &perr);
    if (r != MF_PLUGIN_OK) {
        clear_space(opt);
        return fail(opt, "optimizer_create", r, &perr, err);
    }
    if (!state) {
        clear_space(opt);
        return mf_error_set(err, MF_ERR_PLUGIN,
                            "optimizer '%s' (%s): optimizer_create succeeded but gave no state",
                            opt->info->desc.name, opt->info->file);
    }
    opt->state = state;
    return MF_OK;
}

static mf_status need_started(const mf_optimizer *opt, const char *what, mf_error *err)
{
    if (!opt)
        return mf_error_set(err, MF_ERR_INVALID, "%s: optimizer is NULL", what);
    if (!opt->state)
        return mf_error_set(err, MF_ERR_INVALID, "%s: optimizer '%s' is not started", what,
                            opt->info->desc.name);
    return MF_OK;
}

/* need_started, and not waiting for a tell of refused points. */
static mf_status need_usable(const mf_optimizer *opt, const char *what, mf_error *err)
{
    mf_status st = need_started(opt, what, err);
    if (st == MF_OK && opt->refused)
        st = mf_error_set(err, MF_ERR_INVALID,
                          "%s: optimizer '%s' proposed points outside its bounds earlier and "
                          "still waits for their errors: start it again (a fit: restart) or "
                          "load a saved state",
                          what, opt->info->desc.name);
    return st;
}

/* Every coordinate finite and inside its bounds. */
static mf_status check_points(const mf_optimizer *opt, uint32_t n, const double *points,
                              const char *callback, mf_error *err)
{
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t d = 0; d < opt->n_dims; d++) {
            double x = points[(size_t)i * opt->n_dims + d];
            if (isfinite(x) && x >= opt->lo[d] && x <= opt->hi[d])
                continue;
            return mf_error_set(err, MF_ERR_PLUGIN,
                                "optimizer '%s' (%s): %s returned point %u with %s = %g, "
                                "outside its bounds [%g, %g]",
                                opt->info->desc.name, opt->info->file, callback, (unsigned)i,
                                opt->names[d], x, opt->lo[d], opt->hi[d]);
        }
    }
    return MF_OK;
}

mf_status mf_optimizer_ask(mf_optimizer *opt, uint32_t n, double *points, mf_error *err)
{
    mf_status st = need_usable(opt, "mf_optimizer_ask", err);
    if (st)
        return st;
    if (n == 0 || !points)
        return mf_error_set(err, MF_ERR_INVALID, "mf_optimizer_ask: need n >= 1 and a buffer");
    size_t count = (size_t)n * opt->n_dims;
    if (opt->awaiting_tell) {
        /* The same points again: the plugin keeps one tell per ask. */
        if (n != opt->n_asked)
            return mf_error_set(err, MF_ERR_INVALID,
                                "mf_optimizer_ask: the previous %u points were not told yet "
                                "(asking for %u again gives them again; not %u)",
                                (unsigned)opt->n_asked, (unsigned)opt->n_asked, (unsigned)n);
        memcpy(points, opt->asked, count * sizeof *points);
        return MF_OK;
    }
    double *copy = realloc(opt->asked, count * sizeof *copy);
    if (!copy)
        return mf_error_set(err, MF_ERR_NOMEM,
                            "out of memory keeping the %u points asked (%zu bytes)",
                            (unsigned)n, count * sizeof *copy);
    opt->asked = copy;
    /* NaN first, so points the plugin forgets to write are caught. */
    for (size_t k = 0; k < count; k++)
        points[k] = NAN;
    mf_plugin_err perr = {0};
    int r = opt->info->desc.optimizer_ask(opt->state, n, points, &perr);
    if (r != MF_PLUGIN_OK)
        return fail(opt, "optimizer_ask", r, &perr, err);
    st = check_points(opt, n, points, "optimizer_ask", err);
    if (st) {
        opt->refused = true;
        return st;
    }
    memcpy(opt->asked, points, count * sizeof *points);
    opt->n_asked = n;
    opt->awaiting_tell = true;
    return MF_OK;
}

static void note_best(mf_optimizer *opt, uint32_t n, const double *points, const double *errors)
{
    for (uint32_t i = 0; i < n; i++) {
        if (!(errors[i] < INFINITY) || (opt->have_best && !(errors[i] < opt->best_error)))
            continue;
        opt->best_error = errors[i];
        memcpy(opt->best, points + (size_t)i * opt->n_dims, opt->n_dims * sizeof *opt->best);
        opt->have_best = true;
    }
}

mf_status mf_optimizer_tell(mf_optimizer *opt, uint32_t n, const double *points,
                            const double *errors, mf_error *err)
{
    mf_status st = need_usable(opt, "mf_optimizer_tell", err);
    if (st)
        return st;
    if (!opt->awaiting_tell)
        return mf_error_set(err, MF_ERR_INVALID, "mf_optimizer_tell: no ask to answer");
    if (n != opt->n_asked || !points || !errors)
        return mf_error_set(err, MF_ERR_INVALID,
                            "mf_optimizer_tell: the last ask gave %u points, told %u",
                            (unsigned)opt->n_asked, (unsigned)n);
    size_t count = (size_t)n * opt->n_dims;
    if (memcmp(points, opt->asked, count * sizeof *points) != 0)
        return mf_error_set(err, MF_ERR_INVALID,
                            "mf_optimizer_tell: the points differ from those of the last ask");
    double *clean = malloc(n * sizeof *clean);
    if (!clean)
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory telling %u errors (%zu bytes)",
                            (unsigned)n, n * sizeof *clean);
    for (uint32_t i = 0; i < n; i++) {
        if (errors[i] < 0 || errors[i] == -INFINITY) {
            free(clean);
            return mf_error_set(err, MF_ERR_INVALID,
                                "mf_optimizer_tell: error %g of point %u is negative",
                                errors[i], (unsigned)i);
        }
        clean[i] = isnan(errors[i]) ? INFINITY : errors[i];
    }
    mf_plugin_err perr = {0};
    int r = opt->info->desc.optimizer_tell(opt->state, n, opt->asked, clean, &perr);
    if (r == MF_PLUGIN_OK) {
        note_best(opt, n, opt->asked, clean);
        opt->awaiting_tell = false;
    }
    free(clean);
    return r == MF_PLUGIN_OK ? MF_OK : fail(opt, "optimizer_tell", r, &perr, err);
}

mf_status mf_optimizer_recommend(mf_optimizer *opt, double *point, double *error, mf_error *err)
{
    mf_status st = need_started(opt, "mf_optimizer_recommend", err);
    if (st)
        return st;
    if (!point)
        return mf_error_set(err, MF_ERR_INVALID, "mf_optimizer_recommend: point is NULL");
    if (!opt->have_best)
        return mf_error_set(err, MF_ERR_INVALID,
                            "optimizer '%s': nothing to recommend before a point was evaluated",
                            opt->info->desc.name);
    if (opt->info->desc.optimizer_recommend) {
        mf_plugin_err perr = {0};
        double e = NAN;
        int r = opt->info->desc.optimizer_recommend(opt->state, point, &e, &perr);
        if (r != MF_PLUGIN_OK)
            return fail(opt, "optimizer_recommend", r, &perr, err);
        if (error)
            *error = e;
        return check_points(opt, 1, point, "optimizer_recommend", err);
    }
    memcpy(point, opt->best, opt->n_dims * sizeof *point);
    if (error)
        *error = opt->best_error;
    return MF_OK;
}

/* ---- checkpoints ----------------------------------------------------------
 * Layout (native byte order: a checkpoint is read by the same build):
 *   "MFOPT001" | u32 abi | u32 n_dims | u64 rng[4] | u8 have_best | pad[7] |
 *   f64 best_error | f64 best[n_dims] | u64 plugin_len | plugin bytes */

static const char save_magic[8] = {'M', 'F', 'O', 'P', 'T', '0', '0', '1'};

static size_t header_size(uint32_t n_dims)
{
    return 8 + 4 + 4 + 32 + 8 + 8 + 8 * (size_t)n_dims + 8;
}

bool mf_optimizer_can_save(const mf_optimizer *opt)
{
    return opt && opt->info->desc.optimizer_save && opt->info->desc.optimizer_load;
}

static unsigned char *put(unsigned char *p, const void *src, size_t n)
{
    memcpy(p, src, n);
    return p + n;
}

mf_status mf_optimizer_save(mf_optimizer *opt, void *buf, size_t cap, size_t *len,
                            mf_error *err)
{
    mf_status st = need_usable(opt, "mf_optimizer_save", err);
    if (st)
        return st;
    if (!mf_optimizer_can_save(opt))
        return mf_error_set(err, MF_ERR_UNSUPPORTED,
                            "optimizer '%s' cannot save its state (no save/load): checkpoints "
                            "are not possible with it",
                            opt->info->desc.name);
    if (opt->awaiting_tell)
        return mf_error_set(err, MF_ERR_INVALID, "mf_optimizer_save: a tell is due first");
    if (!len)
        return mf_error_set(err, MF_ERR_INVALID, "mf_optimizer_save: len is NULL");
    size_t plen = 0;
    mf_plugin_err perr = {0};
    int r = opt->info->desc.optimizer_save(opt->state, NULL, &plen, &perr);
    if (r != MF_PLUGIN_OK)
        return fail(opt, "optimizer_save", r, &perr, err);
    size_t total = header_size(opt->n_dims) + plen;
    *len = total;
    if (!buf)
        return MF_OK;
    if (cap < total)
        return mf_error_set(err, MF_ERR_INVALID, "mf_optimizer_save: need %zu bytes, have %zu",
                            total, cap);
    unsigned char *p = buf;
    uint32_t abi = MF_PLUGIN_ABI_VERSION;
    uint8_t pad[8] = {opt->have_best};
    uint64_t plen64 = plen;
    p = put(p, save_magic, 8);
    p = put(p, &abi, 4);
    p = put(p, &opt->n_dims, 4);
    p = put(p, opt->hc->rng.s, 32);
    p = put(p, pad, 8);
    p = put(p, &opt->best_error, 8);
    p = put(p, opt->best, 8 * (size_t)opt->n_dims);
    p = put(p, &plen64, 8);
    size_t written = plen;
    r = opt->info->desc.optimizer_save(opt->state, p, &written, &perr);
    if (r != MF_PLUGIN_OK)
        return fail(opt, "optimizer_save", r, &perr, err);
    if (written != plen)
        return mf_error_set(err, MF_ERR_PLUGIN,
                            "optimizer '%s': optimizer_save announced %zu bytes but wrote %zu",
                            opt->info->desc.name, plen, written);
    return MF_OK;
}

/* The saved bytes checked against this optimizer; *plugin and *plen the
 * plugin's part. */
static mf_status check_saved(const mf_optimizer *opt, const void *buf, size_t len,
                             const unsigned char **plugin, size_t *plen, mf_error *err)
{
    const unsigned char *p = buf;
    size_t head = header_size(opt->n_dims);
    if (!buf || len < head || memcmp(p, save_magic, 8) != 0)
        return mf_error_set(err, MF_ERR_INVALID,
                            "optimizer state: not a saved optimizer state");
    uint32_t abi, n_dims;
    uint64_t n;
    memcpy(&abi, p + 8, 4);
    memcpy(&n_dims, p + 12, 4);
    if (abi != MF_PLUGIN_ABI_VERSION || n_dims != opt->n_dims)
        return mf_error_set(err, MF_ERR_INVALID,
                            "optimizer state: saved with ABI 0x%x and %u parameters; this "
                            "optimizer has ABI 0x%x and %u",
                            (unsigned)abi, (unsigned)n_dims, (unsigned)MF_PLUGIN_ABI_VERSION,
                            (unsigned)opt->n_dims);
    memcpy(&n, p + head - 8, 8);
    if (n != len - head)
        return mf_error_set(err, MF_ERR_INVALID,
                            "optimizer state: truncated (%zu of %zu bytes)", len,
                            head + (size_t)n);
    *plugin = p + head;
    *plen = (size_t)n;
    return MF_OK;
}

/* The plugin's load goes into a state create has just made (plugin.h),
 * beside the current one, which is replaced only when the load succeeds:
 * a failed load leaves the optimizer as it was (its state, its random
 * stream, a tell it awaits). */
mf_status mf_optimizer_load(mf_optimizer *opt, const void *buf, size_t len, mf_error *err)
{
    mf_status st = need_started(opt, "mf_optimizer_load", err);
    if (st)
        return st;
    if (!mf_optimizer_can_save(opt))
        return mf_error_set(err, MF_ERR_UNSUPPORTED, "optimizer '%s' cannot load a saved state",
                            opt->info->desc.name);
    const unsigned char *plugin = NULL;
    size_t plen = 0;
    st = check_saved(opt, buf, len, &plugin, &plen, err);
    if (st)
        return st;
    mf_rng before = opt->hc->rng; /* create may draw from it */
    mf_space space = {sizeof space, opt->n_dims, (const char *const *)opt->names, opt->lo,
                      opt->hi};
    mf_plugin_err perr = {0};
    void *fresh = NULL;
    int r = opt->info->desc.optimizer_create(mf_host_table(), opt->hc, &space, &fresh, &perr);
    if (r != MF_PLUGIN_OK || !fresh) {
        opt->hc->rng = before;
        return r != MF_PLUGIN_OK
                   ? fail(opt, "optimizer_create", r, &perr, err)
                   : mf_error_set(err, MF_ERR_PLUGIN,
                                  "optimizer '%s' (%s): optimizer_create succeeded but gave "
                                  "no state",
                                  opt->info->desc.name, opt->info->file);
    }
    r = opt->info->desc.optimizer_load(fresh, plugin, plen, &perr);
    if (r != MF_PLUGIN_OK) {
        opt->info->desc.optimizer_destroy(fresh);
        opt->hc->rng = before;
        return fail(opt, "optimizer_load", r, &perr, err);
    }
    destroy_state(opt);
    opt->state = fresh;
    const unsigned char *p = buf;
    uint64_t s[4];
    memcpy(s, p + 16, 32);
    mf_rng_set_state(&opt->hc->rng, s);
    opt->have_best = p[48] != 0;
    memcpy(&opt->best_error, p + 56, 8);
    memcpy(opt->best, p + 64, 8 * (size_t)opt->n_dims);
    opt->awaiting_tell = false;
    opt->refused = false;
    return MF_OK;
}

const mf_resolved_options *mf_optimizer_resolved_options(const mf_optimizer *opt)
{
    return &opt->hc->opts;
}

bool mf_optimizer_between_rounds(const mf_optimizer *opt)
{
    return opt && opt->state && !opt->awaiting_tell && !opt->refused;
}
