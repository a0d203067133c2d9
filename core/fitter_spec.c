/* mf_fitter_spec: the builder that collects a fitter's settings. Setters
 * only copy and check what they can check alone (a name, a finite dt, a
 * shape); everything that needs the whole (the model, other series) is
 * checked by mf_fitter_new. */
#include "fitter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Every setter refuses a NULL spec. */
static mf_status no_spec(const char *function, mf_error *err)
{
    return mf_error_set(err, MF_ERR_INVALID, "%s: the spec is NULL", function);
}

mf_status mf_fitter_spec_new(mf_fitter_kind kind, mf_fitter_spec **out, mf_error *err)
{
    if (!out)
        return mf_error_set(err, MF_ERR_INVALID, "mf_fitter_spec_new: out is NULL");
    *out = NULL;
    if (kind != MF_FITTER_TRACES && kind != MF_FITTER_SPIKES && kind != MF_FITTER_ONLINE)
        return mf_error_set(err, MF_ERR_INVALID, "unknown fitter kind %d", (int)kind);
    mf_fitter_spec *s = calloc(1, sizeof *s);
    if (!s)
        return mf_error_nomem(err, "a fitter spec", sizeof *s);
    s->kind = kind;
    s->n_samples = 30;
    *out = s;
    return MF_OK;
}

static void free_trains(mf_fitter_spec *s)
{
    for (int i = 0; i < s->n_trains; i++)
        free(s->trains[i]);
    free(s->trains);
    free(s->train_len);
    s->trains = NULL;
    s->train_len = NULL;
    s->n_trains = 0;
    s->has_spikes = false;
}

void mf_fitter_spec_free(mf_fitter_spec *s)
{
    if (!s)
        return;
    free(s->model);
    free(s->source);
    mf_settings_free_consts(s->consts, s->n_consts);
    mf_settings_free_series(s->inputs, s->n_inputs);
    mf_settings_free_series(s->outputs, s->n_outputs);
    free_trains(s);
    mf_settings_free_inits(s->inits, s->n_inits);
    free(s->method);
    free(s->threshold);
    free(s->reset);
    free(s->refractory);
    free(s->penalty);
    free(s);
}

mf_status mf_fitter_spec_set_model(mf_fitter_spec *s, const char *text, const char *source,
                                   mf_error *err)
{
    if (!s)
        return no_spec(__func__, err);
    if (!text)
        return mf_error_set(err, MF_ERR_INVALID, "no model text");
    char *t = strdup(text);
    char *src = source ? strdup(source) : NULL;
    if (!t || (source && !src)) {
        free(t);
        free(src);
        return mf_error_nomem(err, "a copy of the model text", strlen(text) + 1);
    }
    free(s->model);
    free(s->source);
    s->model = t;
    s->source = src;
    return MF_OK;
}

mf_status mf_fitter_spec_read_model(mf_fitter_spec *s, const char *path, mf_error *err)
{
    if (!s)
        return no_spec(__func__, err);
    if (!path)
        return mf_error_set(err, MF_ERR_INVALID, "no model file name");
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return mf_error_set(err, MF_ERR_IO, "cannot open the model file '%s'", path);
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
        if (got == 0)
            break;
    }
    bool bad = ferror(fp);
    fclose(fp);
    if (!buf)
        return mf_error_nomem(err, "the model file's text", cap * 2);
    if (bad) {
        free(buf);
        return mf_error_set(err, MF_ERR_IO, "cannot read the model file '%s'", path);
    }
    buf[n] = '\0';
    if (strlen(buf) != n) {
        free(buf);
        return mf_error_set(err, MF_ERR_PARSE, "%s: the model file contains a NUL byte", path);
    }
    mf_status rc = mf_fitter_spec_set_model(s, buf, path, err);
    free(buf);
    return rc;
}

mf_status mf_fitter_spec_set_constant(mf_fitter_spec *s, const char *name, mf_quantity value,
                                      mf_error *err)
{
    if (!s)
        return no_spec(__func__, err);
    return mf_settings_constant(&s->consts, &s->n_consts, name, value, err);
}

mf_status mf_fitter_spec_set_input(mf_fitter_spec *s, const char *name, mf_quantity unit,
                                   int n_traces, long n_steps, const double *values,
                                   mf_error *err)
{
    if (!s)
        return no_spec(__func__, err);
    return mf_settings_series(&s->inputs, &s->n_inputs, "input", name, unit, n_traces, n_steps,
                              values, err);
}

mf_status mf_fitter_spec_set_output(mf_fitter_spec *s, const char *name, mf_quantity unit,
                                    int n_traces, long n_steps, const double *values,
                                    mf_error *err)
{
    if (!s)
        return no_spec(__func__, err);
    if (s->kind == MF_FITTER_SPIKES)
        return mf_error_set(err, MF_ERR_INVALID,
                            "the spike fitter's targets are spike trains: use "
                            "mf_fitter_spec_set_output_spikes");
    return mf_settings_series(&s->outputs, &s->n_outputs, "output", name, unit, n_traces,
                              n_steps, values, err);
}

mf_status mf_fitter_spec_set_output_spikes(mf_fitter_spec *s, const mf_spike_trains *t,
                                           mf_error *err)
{
    if (!s)
        return no_spec(__func__, err);
    if (s->kind != MF_FITTER_SPIKES)
        return mf_error_set(err, MF_ERR_INVALID,
                            "only the spike fitter takes target spike trains");
    int n = mf_spike_trains_count(t);
    if (!t || n < 1)
        return mf_error_set(err, MF_ERR_INVALID, "no target spike trains");
    free_trains(s);
    s->trains = calloc((size_t)n, sizeof *s->trains);
    s->train_len = calloc((size_t)n, sizeof *s->train_len);
    if (!s->trains || !s->train_len) {
        free_trains(s);
        return mf_error_nomem(err, "the table of target spike trains",
                              (size_t)n * (sizeof *s->trains + sizeof *s->train_len));
    }
    s->n_trains = n;
    for (int i = 0; i < n; i++) {
        size_t len = (size_t)mf_spike_trains_len(t, i);
        s->trains[i] = malloc((len + 1) * sizeof(double));
        if (!s->trains[i]) {
            free_trains(s);
            return mf_error_nomem(err, "a target spike train", (len + 1) * sizeof(double));
        }
        if (len)
            memcpy(s->trains[i], mf_spike_trains_times(t, i), len * sizeof(double));
        s->train_len[i] = len;
    }
    s->has_spikes = true;
    return MF_OK;
}

mf_status mf_fitter_spec_set_dt(mf_fitter_spec *s, double dt, mf_error *err)
{
    if (!s)
        return no_spec(__func__, err);
    return mf_settings_dt(&s->dt, dt, err);
}

mf_status mf_fitter_spec_set_n_samples(mf_fitter_spec *s, int n_samples, mf_error *err)
{
    if (!s)
        return no_spec(__func__, err);
    if (n_samples < 1)
        return mf_error_set(err, MF_ERR_INVALID, "n_samples must be at least 1, not %d",
                            n_samples);
    s->n_samples = n_samples;
    return MF_OK;
}

mf_status mf_fitter_spec_set_method(mf_fitter_spec *s, const char *method, mf_error *err)
{
    if (!s)
        return no_spec(__func__, err);
    return mf_settings_text(&s->method, method, err);
}

mf_status mf_fitter_spec_set_threshold(mf_fitter_spec *s, const char *condition, mf_error *err)
{
    if (!s)
        return no_spec(__func__, err);
    return mf_settings_text(&s->threshold, condition, err);
}

mf_status mf_fitter_spec_set_reset(mf_fitter_spec *s, const char *statements, mf_error *err)
{
    if (!s)
        return no_spec(__func__, err);
    return mf_settings_text(&s->reset, statements, err);
}

mf_status mf_fitter_spec_set_refractory(mf_fitter_spec *s, const char *refractory,
                                        mf_error *err)
{
    if (!s)
        return no_spec(__func__, err);
    return mf_settings_text(&s->refractory, refractory, err);
}

mf_status mf_fitter_spec_set_init(mf_fitter_spec *s, const char *variable, const char *value,
                                  mf_error *err)
{
    if (!s)
        return no_spec(__func__, err);
    return mf_settings_init(&s->inits, &s->n_inits, variable, value, err);
}

mf_status mf_fitter_spec_set_penalty(mf_fitter_spec *s, const char *name, mf_error *err)
{
    if (!s)
        return no_spec(__func__, err);
    return mf_settings_text(&s->penalty, name, err);
}

/* --- copy ------------------------------------------------------------------ */

static mf_status copy_text(char **dst, const char *src)
{
    *dst = NULL;
    if (src && !(*dst = strdup(src)))
        return MF_ERR_NOMEM;
    return MF_OK;
}

static mf_status copy_series(fit_series **dst, const fit_series *src, int n)
{
    *dst = calloc((size_t)n + 1, sizeof **dst);
    if (!*dst)
        return MF_ERR_NOMEM;
    for (int i = 0; i < n; i++) {
        fit_series *d = &(*dst)[i];
        *d = src[i];
        d->name = NULL;
        d->v = NULL;
        size_t len = (size_t)src[i].n_traces * (size_t)src[i].n_steps;
        if (copy_text(&d->name, src[i].name) || !(d->v = malloc(len * sizeof(double))))
            return MF_ERR_NOMEM;
        memcpy(d->v, src[i].v, len * sizeof(double));
    }
    return MF_OK;
}

static mf_status copy_parts(mf_fitter_spec *d, const mf_fitter_spec *s)
{
    if (copy_text(&d->model, s->model) || copy_text(&d->source, s->source) ||
        copy_text(&d->method, s->method) || copy_text(&d->threshold, s->threshold) ||
        copy_text(&d->reset, s->reset) || copy_text(&d->refractory, s->refractory) ||
        copy_text(&d->penalty, s->penalty))
        return MF_ERR_NOMEM;
    d->consts = calloc((size_t)s->n_consts + 1, sizeof *d->consts);
    d->inits = calloc((size_t)s->n_inits + 1, sizeof *d->inits);
    if (!d->consts || !d->inits)
        return MF_ERR_NOMEM;
    for (; d->n_consts < s->n_consts; d->n_consts++) {
        d->consts[d->n_consts].q = s->consts[d->n_consts].q;
        if (copy_text(&d->consts[d->n_consts].name, s->consts[d->n_consts].name))
            return MF_ERR_NOMEM;
    }
    for (; d->n_inits < s->n_inits; d->n_inits++)
        if (copy_text(&d->inits[d->n_inits].name, s->inits[d->n_inits].name) ||
            copy_text(&d->inits[d->n_inits].value, s->inits[d->n_inits].value))
            return MF_ERR_NOMEM;
    mf_status rc = copy_series(&d->inputs, s->inputs, s->n_inputs);
    d->n_inputs = s->n_inputs;
    if (rc == MF_OK)
        rc = copy_series(&d->outputs, s->outputs, s->n_outputs);
    d->n_outputs = s->n_outputs;
    return rc;
}

static mf_status copy_trains(mf_fitter_spec *d, const mf_fitter_spec *s)
{
    d->has_spikes = s->has_spikes;
    if (!s->has_spikes)
        return MF_OK;
    d->trains = calloc((size_t)s->n_trains, sizeof *d->trains);
    d->train_len = calloc((size_t)s->n_trains, sizeof *d->train_len);
    if (!d->trains || !d->train_len)
        return MF_ERR_NOMEM;
    d->n_trains = s->n_trains;
    for (int i = 0; i < s->n_trains; i++) {
        d->trains[i] = malloc((s->train_len[i] + 1) * sizeof(double));
        if (!d->trains[i])
            return MF_ERR_NOMEM;
        if (s->train_len[i])
            memcpy(d->trains[i], s->trains[i], s->train_len[i] * sizeof(double));
        d->train_len[i] = s->train_len[i];
    }
    return MF_OK;
}

/* The bytes of a spec's data (texts aside), for a message. */
static size_t spec_bytes(const mf_fitter_spec *s)
{
    size_t n = s->model ? strlen(s->model) + 1 : 0;
    for (int i = 0; i < s->n_inputs; i++)
        n += (size_t)s->inputs[i].n_traces * (size_t)s->inputs[i].n_steps * sizeof(double);
    for (int i = 0; i < s->n_outputs; i++)
        n += (size_t)s->outputs[i].n_traces * (size_t)s->outputs[i].n_steps * sizeof(double);
    for (int i = 0; s->has_spikes && i < s->n_trains; i++)
        n += s->train_len[i] * sizeof(double);
    return n;
}

mf_status mf_fitter_spec_copy(const mf_fitter_spec *s, mf_fitter_spec **out, mf_error *err)
{
    *out = NULL;
    mf_fitter_spec *d = calloc(1, sizeof *d);
    if (!d)
        return mf_error_nomem(err, "a copy of the fitter spec", sizeof *d);
    d->kind = s->kind;
    d->dt = s->dt;
    d->n_samples = s->n_samples;
    if (copy_parts(d, s) != MF_OK || copy_trains(d, s) != MF_OK) {
        mf_fitter_spec_free(d);
        return mf_error_nomem(err, "a copy of the fitter spec's data", spec_bytes(s));
    }
    *out = d;
    return MF_OK;
}
