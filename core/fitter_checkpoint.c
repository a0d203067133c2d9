/* What a fitter's checkpoint holds (fitter_guard.h): the fingerprint of the
 * fit's settings, a SHA-256 per part so a refusal can say which part
 * differs, and the fit's state. The payload (inside checkpoint.c's
 * container), native byte order:
 *
 *   u32 n_parts, then per part: string name, 32 bytes SHA-256
 *   u32 kind, n_params, n_metrics, n_samples
 *   u64 call; u32 call_done, call_rounds
 *   i64 rounds, next_iteration, last_iteration, best
 *   u64 length + the optimizer's saved state (mf_optimizer_save)
 *   u64 n (history rows), then f64 points[n][n_params], f64 errors[n],
 *   f64 norm[n][n_metrics], f64 raw[n][n_metrics], i32 round[n]
 *
 * Strings are u32 length + bytes. */
#include "fitter_guard.h"

#include "plugin.h"
#include "sha256.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const PART_NAMES[FIT_N_PARTS] = {"model",   "constants", "data",
                                                    "dt",      "method",    "bounds",
                                                    "metrics", "optimizer", "n_samples"};

/* What each part covers, for messages. */
static const char *const PART_TEXT[FIT_N_PARTS] = {
    "the model (equations, threshold, reset, refractory, initial values or penalty)",
    "the constants",
    "the data (input or target traces)",
    "dt",
    "the integration method",
    "the parameter bounds",
    "the metric, its version or its options",
    "the optimizer, its version or its options (seed included)",
    "n_samples"};

/* ---- hashing ----------------------------------------------------------------- */

static void h_bytes(mf_sha256_ctx *c, const void *p, size_t n)
{
    uint64_t len = n;
    mf_sha256_update(c, &len, sizeof len);
    if (n)
        mf_sha256_update(c, p, n);
}

/* NULL and "" differ (an unset threshold is not an empty one). */
static void h_str(mf_sha256_ctx *c, const char *s)
{
    h_bytes(c, s ? s : "", s ? strlen(s) + 1 : 0);
}

static void h_u64(mf_sha256_ctx *c, uint64_t x)
{
    mf_sha256_update(c, &x, sizeof x);
}

static void h_f64(mf_sha256_ctx *c, double x)
{
    mf_sha256_update(c, &x, sizeof x);
}

static void h_dim(mf_sha256_ctx *c, mf_dim d)
{
    for (int i = 0; i < MF_NDIM; i++)
        h_f64(c, d.e[i]);
}

static void h_series(mf_sha256_ctx *c, const fit_series *s)
{
    h_str(c, s->name);
    h_dim(c, s->dim);
    h_u64(c, (uint64_t)s->n_traces);
    h_u64(c, (uint64_t)s->n_steps);
    h_bytes(c, s->v, (size_t)s->n_traces * (size_t)s->n_steps * sizeof *s->v);
}

static void h_options(mf_sha256_ctx *c, const mf_plugin_info *info,
                      const mf_resolved_options *o)
{
    /* The plugin's version too: another build may save another state. */
    h_str(c, mf_plugin_info_descriptor(info)->name);
    h_str(c, mf_plugin_info_descriptor(info)->version);
    h_u64(c, o->n);
    for (size_t i = 0; i < o->n; i++) {
        const mf_option_spec *spec = &o->specs[i];
        const mf_resolved_value *v = &o->values[i];
        h_str(c, spec->name);
        h_u64(c, spec->type);
        switch (spec->type) {
        case MF_OPT_STRING: h_str(c, v->text); break;
        case MF_OPT_DOUBLE_ARRAY: h_bytes(c, v->array, v->n * sizeof *v->array); break;
        case MF_OPT_QUANTITY:
            h_f64(c, v->number);
            h_dim(c, v->dim);
            break;
        default: h_f64(c, v->number); h_u64(c, (uint64_t)v->integer);
        }
    }
}

static void part_model(const mf_fitter *f, mf_sha256_ctx *c)
{
    const mf_fitter_spec *s = f->spec;
    h_u64(c, (uint64_t)s->kind);
    h_str(c, s->model);
    h_str(c, s->threshold);
    h_str(c, s->reset);
    h_str(c, s->refractory);
    h_str(c, s->penalty);
    h_u64(c, (uint64_t)s->n_inits);
    for (int i = 0; i < s->n_inits; i++) {
        h_str(c, s->inits[i].name);
        h_str(c, s->inits[i].value);
    }
}

static void part_constants(const mf_fitter *f, mf_sha256_ctx *c)
{
    const mf_fitter_spec *s = f->spec;
    h_u64(c, (uint64_t)s->n_consts);
    for (int i = 0; i < s->n_consts; i++) {
        h_str(c, s->consts[i].name);
        h_f64(c, s->consts[i].q.value);
        for (int k = 0; k < 7; k++)
            h_f64(c, s->consts[i].q.dim[k]);
    }
}

static void part_data(const mf_fitter *f, mf_sha256_ctx *c)
{
    const mf_fitter_spec *s = f->spec;
    h_u64(c, (uint64_t)s->n_inputs);
    for (int i = 0; i < s->n_inputs; i++)
        h_series(c, &s->inputs[i]);
    h_u64(c, (uint64_t)s->n_outputs);
    for (int i = 0; i < s->n_outputs; i++)
        h_series(c, &s->outputs[i]);
    h_u64(c, s->has_spikes ? (uint64_t)s->n_trains : UINT64_MAX);
    for (int i = 0; s->has_spikes && i < s->n_trains; i++)
        h_bytes(c, s->trains[i], s->train_len[i] * sizeof(double));
}

void mf_fit_fingerprint(const mf_fitter *f, const mf_optimizer *opt, const fit_metric *metrics,
                        int n_metrics, const double *lo, const double *hi, fit_print *out)
{
    mf_sha256_ctx c[FIT_N_PARTS];
    for (int i = 0; i < FIT_N_PARTS; i++)
        mf_sha256_init(&c[i]);
    part_model(f, &c[FIT_PART_MODEL]);
    part_constants(f, &c[FIT_PART_CONSTANTS]);
    part_data(f, &c[FIT_PART_DATA]);
    h_f64(&c[FIT_PART_DT], f->dt);
    h_str(&c[FIT_PART_METHOD], f->spec->method);
    h_u64(&c[FIT_PART_BOUNDS], (uint64_t)f->n_params);
    for (int p = 0; p < f->n_params; p++) {
        h_str(&c[FIT_PART_BOUNDS], mf_fitter_param_name(f, p));
        h_f64(&c[FIT_PART_BOUNDS], lo[p]);
        h_f64(&c[FIT_PART_BOUNDS], hi[p]);
    }
    h_u64(&c[FIT_PART_METRICS], (uint64_t)n_metrics);
    for (int i = 0; i < n_metrics; i++)
        h_options(&c[FIT_PART_METRICS], mf_metric_plugin(metrics[i].metric),
                  mf_metric_resolved_options(metrics[i].metric));
    h_options(&c[FIT_PART_OPTIMIZER], mf_optimizer_plugin(opt),
              mf_optimizer_resolved_options(opt));
    h_u64(&c[FIT_PART_N_SAMPLES], (uint64_t)f->n_samples);
    for (int i = 0; i < FIT_N_PARTS; i++)
        mf_sha256_final(&c[i], out->part[i]);
}

/* ---- writing ------------------------------------------------------------------- */

void mf_fit_snapshot_put(const mf_fitter *f, const fit_print *print, const fit_progress *p,
                         mf_ckpt_buf *b)
{
    mf_ckpt_put_u32(b, FIT_N_PARTS);
    for (int i = 0; i < FIT_N_PARTS; i++) {
        mf_ckpt_put_str(b, PART_NAMES[i]);
        mf_ckpt_put(b, print->part[i], 32);
    }
    mf_ckpt_put_u32(b, (uint32_t)f->kind);
    mf_ckpt_put_u32(b, (uint32_t)f->n_params);
    mf_ckpt_put_u32(b, (uint32_t)f->n_metrics);
    mf_ckpt_put_u32(b, (uint32_t)f->n_samples);
    mf_ckpt_put_u64(b, p->call);
    mf_ckpt_put_u32(b, p->call_done);
    mf_ckpt_put_u32(b, p->call_rounds);
    mf_ckpt_put_i64(b, f->rounds);
    mf_ckpt_put_i64(b, f->next_iteration);
    mf_ckpt_put_i64(b, f->last_iteration);
    mf_ckpt_put_i64(b, f->best);
    mf_ckpt_put_u64(b, p->opt_len);
    mf_ckpt_put(b, p->opt, p->opt_len);
    const fit_history *h = &f->hist;
    size_t n = (size_t)h->n, np = (size_t)f->n_params, nm = (size_t)f->n_metrics;
    mf_ckpt_put_u64(b, n);
    mf_ckpt_put(b, h->points, n * np * sizeof(double));
    mf_ckpt_put(b, h->errors, n * sizeof(double));
    mf_ckpt_put(b, h->norm, n * nm * sizeof(double));
    mf_ckpt_put(b, h->raw, n * nm * sizeof(double));
    mf_ckpt_put(b, h->round, n * sizeof(int));
}

/* ---- reading ---------------------------------------------------------------------- */

void mf_fit_snapshot_clear(fit_snapshot *s)
{
    for (int i = 0; i < s->n_parts; i++)
        free(s->part_name[i]);
    free(s->opt);
    mf_fit_history_clear(&s->hist);
    memset(s, 0, sizeof *s);
}

static mf_status damaged(const char *name, const char *what, mf_error *err)
{
    return mf_error_set(err, MF_ERR_INVALID,
                        "the checkpoint '%s' is damaged: %s (its checksum matches, so it was "
                        "written wrong or crafted)",
                        name, what);
}

static mf_status parse_parts(mf_ckpt_in *in, fit_snapshot *s, const char *name, mf_error *err)
{
    uint32_t n = mf_ckpt_get_u32(in);
    if (in->bad || n > FIT_N_PARTS)
        return damaged(name, "bad fingerprint", err);
    for (uint32_t i = 0; i < n; i++) {
        s->part_name[i] = mf_ckpt_get_str(in);
        s->n_parts = (int)i + 1;
        mf_ckpt_get(in, s->part[i], 32);
        if (in->bad || !s->part_name[i])
            return damaged(name, "bad fingerprint", err);
    }
    return MF_OK;
}

static mf_status parse_counters(mf_ckpt_in *in, fit_snapshot *s, const char *name,
                                mf_error *err)
{
    s->kind = mf_ckpt_get_u32(in);
    s->n_params = mf_ckpt_get_u32(in);
    s->n_metrics = mf_ckpt_get_u32(in);
    s->n_samples = mf_ckpt_get_u32(in);
    s->call = mf_ckpt_get_u64(in);
    s->call_done = mf_ckpt_get_u32(in);
    s->call_rounds = mf_ckpt_get_u32(in);
    s->rounds = mf_ckpt_get_i64(in);
    s->next_iteration = mf_ckpt_get_i64(in);
    s->last_iteration = mf_ckpt_get_i64(in);
    s->best = mf_ckpt_get_i64(in);
    if (in->bad)
        return damaged(name, "it ends early", err);
    if (s->n_params < 1 || s->n_params > 1000000 || s->n_metrics < 1 ||
        s->n_metrics > 1000000 || s->n_samples < 1 || s->n_samples > INT_MAX)
        return damaged(name, "impossible sizes", err);
    if (s->call < 1 || s->call > LONG_MAX || s->call_done > s->call_rounds ||
        s->call_rounds > INT_MAX || s->rounds < 0 || s->rounds > INT_MAX ||
        s->next_iteration < 0 || s->next_iteration == INT64_MAX || s->last_iteration < -1)
        return damaged(name, "impossible counters", err);
    return MF_OK;
}

static mf_status parse_optimizer(mf_ckpt_in *in, fit_snapshot *s, const char *name,
                                 mf_error *err)
{
    uint64_t len = mf_ckpt_get_u64(in);
    if (!mf_ckpt_has(in, len, 1))
        return damaged(name, "the optimizer state runs past the end", err);
    s->opt_len = (size_t)len;
    s->opt = malloc(s->opt_len + 1);
    if (!s->opt)
        return mf_error_nomem(err, "the optimizer state of a checkpoint", s->opt_len + 1);
    mf_ckpt_get(in, s->opt, s->opt_len);
    return MF_OK;
}

/* Every round index within [0, rounds) and never decreasing; errors >= 0
 * or NaN; the best a finite error of the history. */
static bool history_valid(const fit_snapshot *s)
{
    const fit_history *h = &s->hist;
    for (long i = 0; i < h->n; i++) {
        if (h->round[i] < 0 || h->round[i] >= s->rounds || (i && h->round[i] < h->round[i - 1]))
            return false;
        if (h->errors[i] < 0)
            return false;
    }
    if (s->best < -1 || s->best >= h->n)
        return false;
    return s->best < 0 || isfinite(h->errors[s->best]);
}

static mf_status parse_history(mf_ckpt_in *in, fit_snapshot *s, const char *name, mf_error *err)
{
    uint64_t n = mf_ckpt_get_u64(in);
    size_t np = s->n_params, nm = s->n_metrics;
    size_t row = (np + 1 + 2 * nm) * sizeof(double) + sizeof(int);
    if (!mf_ckpt_has(in, n, row) || n > LONG_MAX)
        return damaged(name, "the history runs past the end", err);
    fit_history *h = &s->hist;
    size_t c = (size_t)n ? (size_t)n : 1;
    h->points = malloc(c * np * sizeof(double));
    h->errors = malloc(c * sizeof(double));
    h->norm = malloc(c * nm * sizeof(double));
    h->raw = malloc(c * nm * sizeof(double));
    h->round = malloc(c * sizeof(int));
    if (!h->points || !h->errors || !h->norm || !h->raw || !h->round)
        return mf_error_nomem(err, "the history of a checkpoint", c * row);
    h->n = h->cap = (long)n;
    mf_ckpt_get(in, h->points, (size_t)n * np * sizeof(double));
    mf_ckpt_get(in, h->errors, (size_t)n * sizeof(double));
    mf_ckpt_get(in, h->norm, (size_t)n * nm * sizeof(double));
    mf_ckpt_get(in, h->raw, (size_t)n * nm * sizeof(double));
    mf_ckpt_get(in, h->round, (size_t)n * sizeof(int));
    if (in->bad || !history_valid(s))
        return damaged(name, "an inconsistent history", err);
    return MF_OK;
}

mf_status mf_fit_snapshot_parse(const void *payload, size_t n, const char *name,
                                fit_snapshot *out, mf_error *err)
{
    memset(out, 0, sizeof *out);
    mf_ckpt_in in = {payload, n, 0, false};
    mf_status rc = parse_parts(&in, out, name, err);
    if (rc == MF_OK)
        rc = parse_counters(&in, out, name, err);
    if (rc == MF_OK)
        rc = parse_optimizer(&in, out, name, err);
    if (rc == MF_OK)
        rc = parse_history(&in, out, name, err);
    if (rc == MF_OK && in.at != in.n)
        rc = damaged(name, "bytes after its end", err);
    if (rc != MF_OK)
        mf_fit_snapshot_clear(out);
    return rc;
}

/* ---- comparing and restoring ------------------------------------------------------- */

static bool part_matches(const fit_snapshot *s, int i, const fit_print *print)
{
    for (int j = 0; j < s->n_parts; j++)
        if (strcmp(s->part_name[j], PART_NAMES[i]) == 0)
            return memcmp(s->part[j], print->part[i], 32) == 0;
    return false;
}

int mf_fit_parts_text(unsigned mask, char *buf, size_t cap)
{
    size_t used = 0;
    int n = 0;
    if (cap)
        buf[0] = '\0';
    for (int i = 0; i < FIT_N_PARTS; i++) {
        if (!(mask & (1u << i)))
            continue;
        int w = snprintf(buf + used, cap - used, "%s%s", n ? "; " : "", PART_TEXT[i]);
        if (w > 0 && (size_t)w < cap - used)
            used += (size_t)w;
        n++;
    }
    return n;
}

mf_status mf_fit_snapshot_match(const fit_snapshot *s, const fit_print *print, const char *name,
                                mf_error *err)
{
    char list[1024];
    unsigned mask = 0;
    for (int i = 0; i < FIT_N_PARTS; i++)
        if (!part_matches(s, i, print))
            mask |= 1u << i;
    int n = mf_fit_parts_text(mask, list, sizeof list);
    if (n == 0)
        return MF_OK;
    return mf_error_set(err, MF_ERR_INVALID,
                        "the checkpoint '%s' was written by another fit: %s %s from this "
                        "fit's; resume with the settings that wrote it, or remove the file "
                        "to start over",
                        name, list, n == 1 ? "differs" : "differ");
}

mf_status mf_fit_snapshot_apply(mf_fitter *f, fit_snapshot *s, const char *name, mf_error *err)
{
    if (s->kind != (uint32_t)f->kind || s->n_params != (uint32_t)f->n_params ||
        s->n_metrics != (uint32_t)f->n_metrics || s->n_samples != (uint32_t)f->n_samples)
        return mf_error_set(err, MF_ERR_INVALID,
                            "the checkpoint '%s' holds a fit of %u parameters, %u outputs and "
                            "n_samples %u, not this fitter's %d, %d and %d",
                            name, (unsigned)s->n_params, (unsigned)s->n_metrics,
                            (unsigned)s->n_samples, f->n_params, f->n_metrics, f->n_samples);
    /* mf_optimizer_load loads into a fresh plugin state (plugin.h) and
     * keeps the current one until that succeeds: a checkpoint that fails
     * to load leaves a continuing fit's optimizer as it was. (The
     * optimizer is started on the fit's bounds: fresh, or continuing with
     * the same bounds, check_fixed.) */
    mf_status rc = mf_optimizer_load(f->opt, s->opt, s->opt_len, err);
    if (rc != MF_OK) {
        mf_error_prefix(err, "checkpoint '%s'", name);
        return rc;
    }
    mf_fit_history_clear(&f->hist);
    f->hist = s->hist;
    memset(&s->hist, 0, sizeof s->hist);
    f->best = (long)s->best;
    f->rounds = (int)s->rounds;
    f->next_iteration = (long)s->next_iteration;
    f->last_iteration = (long)s->last_iteration;
    f->started = true;
    return MF_OK;
}
