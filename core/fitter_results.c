/* The fit's history (every evaluated point since the last (re)start) and
 * its export as CSV and JSON, with the units in the header. */
#include "fitter.h"

#include "data_text.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mf_fit_history_clear(fit_history *h)
{
    free(h->points);
    free(h->errors);
    free(h->norm);
    free(h->raw);
    free(h->round);
    memset(h, 0, sizeof *h);
}

static bool grow(void **p, size_t size)
{
    void *n = realloc(*p, size ? size : 1);
    if (n)
        *p = n;
    return n != NULL;
}

mf_status mf_fit_history_append(fit_history *h, int n_params, int n_out, int n_points,
                                const double *points, const double *errors, const double *norm,
                                const double *raw, int round)
{
    long need = h->n + n_points;
    if (need > h->cap) {
        long cap = h->cap ? h->cap : 64;
        while (cap < need)
            cap *= 2;
        size_t c = (size_t)cap;
        if (!grow((void **)&h->points, c * (size_t)n_params * sizeof(double)) ||
            !grow((void **)&h->errors, c * sizeof(double)) ||
            !grow((void **)&h->norm, c * (size_t)n_out * sizeof(double)) ||
            !grow((void **)&h->raw, c * (size_t)n_out * sizeof(double)) ||
            !grow((void **)&h->round, c * sizeof(int)))
            return MF_ERR_NOMEM;
        h->cap = cap;
    }
    size_t at = (size_t)h->n, n = (size_t)n_points;
    memcpy(h->points + at * (size_t)n_params, points, n * (size_t)n_params * sizeof(double));
    memcpy(h->errors + at, errors, n * sizeof(double));
    memcpy(h->norm + at * (size_t)n_out, norm, n * (size_t)n_out * sizeof(double));
    memcpy(h->raw + at * (size_t)n_out, raw, n * (size_t)n_out * sizeof(double));
    for (size_t i = 0; i < n; i++)
        h->round[at + i] = round;
    h->n = need;
    return MF_OK;
}

long mf_fit_history_best(const fit_history *h, long first, long best)
{
    for (long i = first; i < h->n; i++)
        if (isfinite(h->errors[i]) && (best < 0 || h->errors[i] < h->errors[best]))
            best = i;
    return best;
}

/* --- accessors --------------------------------------------------------------- */

long mf_fitter_history_size(const mf_fitter *f)
{
    return f ? f->hist.n : 0;
}

const double *mf_fitter_history_point(const mf_fitter *f, long i)
{
    return f && i >= 0 && i < f->hist.n ? f->hist.points + (size_t)i * (size_t)f->n_params
                                        : NULL;
}

double mf_fitter_history_error(const mf_fitter *f, long i)
{
    return f && i >= 0 && i < f->hist.n ? f->hist.errors[i] : NAN;
}

int mf_fitter_history_round(const mf_fitter *f, long i)
{
    return f && i >= 0 && i < f->hist.n ? f->hist.round[i] : -1;
}

double mf_fitter_history_output_error(const mf_fitter *f, long i, int output, bool normalized)
{
    if (!f || i < 0 || i >= f->hist.n || output < 0 || output >= f->n_metrics)
        return NAN;
    const double *v = normalized ? f->hist.norm : f->hist.raw;
    return v[(size_t)i * (size_t)f->n_metrics + (size_t)output];
}

/* --- CSV ------------------------------------------------------------------------- */

static char *unit_text(mf_quantity q, char *buf, size_t n)
{
    return mf_quantity_unit_string(q.dim, buf, n);
}

/* Appends to a growing string; false when out of memory. */
typedef struct sbuf {
    char *s;
    size_t n, cap;
    bool bad;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) MF_PRINTF(2, 3);
static void put(sbuf *b, const char *fmt, ...)
{
    if (b->bad)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (w < 0) {
            b->bad = true;
            return;
        }
        if (b->s && b->n + (size_t)w < b->cap) {
            b->n += (size_t)w;
            return;
        }
        size_t cap = b->cap ? b->cap : 256;
        while (cap <= b->n + (size_t)w)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->bad = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

static bool several(const mf_fitter *f)
{
    return f->n_metrics > 1;
}

static void csv_header(const mf_fitter *f, sbuf *b)
{
    char u[64];
    put(b, "round");
    for (int p = 0; p < f->n_params; p++)
        put(b, ",%s (%s)", mf_fitter_param_name(f, p),
            unit_text(mf_fitter_param_unit(f, p), u, sizeof u));
    put(b, ",error (%s)", unit_text(mf_fitter_error_unit(f), u, sizeof u));
    for (int o = 0; several(f) && o < f->n_metrics; o++) {
        const char *name = mf_fitter_output_name(f, o);
        put(b, ",error_%s (%s)", name,
            unit_text(mf_fitter_output_error_unit(f, o, false), u, sizeof u));
        put(b, ",normalized_error_%s (%s)", name,
            unit_text(mf_fitter_output_error_unit(f, o, true), u, sizeof u));
    }
}

size_t mf_fit_history_columns(const mf_fitter *f)
{
    return 2 + (size_t)f->n_params + (several(f) ? 2 * (size_t)f->n_metrics : 0);
}

size_t mf_fit_history_row(const mf_fitter *f, long i, double *row)
{
    size_t c = 0;
    row[c++] = mf_round_number(f->hist.round[i]);
    for (int p = 0; p < f->n_params; p++)
        row[c++] = f->hist.points[(size_t)i * (size_t)f->n_params + (size_t)p];
    row[c++] = f->hist.errors[i];
    for (int o = 0; several(f) && o < f->n_metrics; o++) {
        row[c++] = mf_fitter_history_output_error(f, i, o, false);
        row[c++] = mf_fitter_history_output_error(f, i, o, true);
    }
    return c;
}

mf_status mf_fitter_write_csv(const mf_fitter *f, const char *path, mf_error *err)
{
    if (!f)
        return mf_error_set(err, MF_ERR_INVALID, "mf_fitter_write_csv: no fitter");
    size_t cols = mf_fit_history_columns(f);
    mf_array *a;
    mf_status rc = mf_array_new((size_t)f->hist.n, cols, &a, err);
    if (rc != MF_OK)
        return rc;
    double *d = mf_array_data(a);
    for (long i = 0; i < f->hist.n; i++)
        mf_fit_history_row(f, i, d + (size_t)i * cols);
    sbuf h = {0};
    csv_header(f, &h);
    if (h.bad)
        rc = mf_error_nomem(err, "the history's CSV header", h.cap ? h.cap * 2 : 256);
    else
        rc = mf_write_csv(path, a, h.s, err);
    free(h.s);
    mf_array_free(a);
    return rc;
}

/* --- JSON ------------------------------------------------------------------------- */

static void json_string(sbuf *b, const char *s)
{
    put(b, "\"");
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            put(b, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            put(b, "\\u%04x", (unsigned)(unsigned char)*s);
        else
            put(b, "%c", *s);
    }
    put(b, "\"");
}

static void json_number(sbuf *b, double x)
{
    if (isfinite(x))
        put(b, "%.17g", x);
    else
        put(b, "null");
}

static void json_params(const mf_fitter *f, sbuf *b, const double *x)
{
    put(b, "{");
    for (int p = 0; p < f->n_params; p++) {
        put(b, p ? ", " : "");
        json_string(b, mf_fitter_param_name(f, p));
        put(b, ": ");
        json_number(b, x[p]);
    }
    put(b, "}");
}

static void json_head(const mf_fitter *f, sbuf *b)
{
    char u[64];
    put(b, "{\n  \"parameters\": [");
    for (int p = 0; p < f->n_params; p++) {
        put(b, "%s{\"name\": ", p ? ", " : "");
        json_string(b, mf_fitter_param_name(f, p));
        put(b, ", \"unit\": ");
        json_string(b, unit_text(mf_fitter_param_unit(f, p), u, sizeof u));
        put(b, "}");
    }
    put(b, "],\n  \"error_unit\": ");
    json_string(b, unit_text(mf_fitter_error_unit(f), u, sizeof u));
    put(b, ",\n  \"outputs\": [");
    for (int o = 0; o < f->n_metrics; o++) {
        put(b, "%s{\"name\": ", o ? ", " : "");
        json_string(b, mf_fitter_output_name(f, o));
        put(b, ", \"metric\": ");
        json_string(b, mf_metric_name(f->metrics[o].metric));
        put(b, ", \"error_unit\": ");
        json_string(b, unit_text(mf_fitter_output_error_unit(f, o, false), u, sizeof u));
        put(b, ", \"normalized_error_unit\": ");
        json_string(b, unit_text(mf_fitter_output_error_unit(f, o, true), u, sizeof u));
        put(b, "}");
    }
    put(b, "],\n  \"best\": ");
    if (f->best < 0) {
        put(b, "null");
        return;
    }
    put(b, "{\"params\": ");
    json_params(f, b, mf_fitter_history_point(f, f->best));
    put(b, ", \"error\": ");
    json_number(b, f->hist.errors[f->best]);
    put(b, "}");
}

static void json_history(const mf_fitter *f, sbuf *b)
{
    put(b, ",\n  \"history\": [");
    for (long i = 0; i < f->hist.n && !b->bad; i++) {
        put(b, "%s\n    {\"round\": %d, \"params\": ", i ? "," : "",
            mf_round_number(f->hist.round[i]));
        json_params(f, b, mf_fitter_history_point(f, i));
        put(b, ", \"error\": ");
        json_number(b, f->hist.errors[i]);
        put(b, ", \"output_errors\": {");
        for (int o = 0; o < f->n_metrics; o++) {
            put(b, o ? ", " : "");
            json_string(b, mf_fitter_output_name(f, o));
            put(b, ": {\"raw\": ");
            json_number(b, mf_fitter_history_output_error(f, i, o, false));
            put(b, ", \"normalized\": ");
            json_number(b, mf_fitter_history_output_error(f, i, o, true));
            put(b, "}");
        }
        put(b, "}}");
    }
    put(b, "\n  ]\n}\n");
}

mf_status mf_fitter_write_json(const mf_fitter *f, const char *path, mf_error *err)
{
    if (!f)
        return mf_error_set(err, MF_ERR_INVALID, "mf_fitter_write_json: no fitter");
    if (!f->metrics)
        return mf_error_set(err, MF_ERR_INVALID, "nothing to write: the fitter has not fitted");
    sbuf b = {0};
    json_head(f, &b);
    json_history(f, &b);
    mf_status rc = b.bad ? mf_error_nomem(err, "the history as JSON", b.cap ? b.cap * 2 : 256)
                         : mf_text_write_file(path, b.s, b.n, NULL, false, err);
    free(b.s);
    return rc;
}
