/* The ready-made callbacks, brian2modelfitting's callback='text' and
 * callback='progressbar'. They write to the caller's FILE* or to the
 * context's log: the library never prints on its own. */
#include "fitter.h"
#include "fitter_guard.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { STYLE_TEXT, STYLE_PROGRESS };
enum { BAR_WIDTH = 30 };

struct mf_printer {
    int style;
    FILE *out;
};

mf_status mf_printer_new(const char *style, FILE *out, mf_printer **printer, mf_error *err)
{
    if (!printer)
        return mf_error_set(err, MF_ERR_INVALID, "mf_printer_new: printer is NULL");
    *printer = NULL;
    int s;
    if (style && strcmp(style, "text") == 0)
        s = STYLE_TEXT;
    else if (style && (strcmp(style, "progress") == 0 || strcmp(style, "progressbar") == 0))
        s = STYLE_PROGRESS;
    else
        return mf_error_set(err, MF_ERR_INVALID,
                            "unknown printer style '%s': use \"text\" or \"progress\"",
                            style ? style : "(null)");
    mf_printer *p = calloc(1, sizeof *p);
    if (!p)
        return mf_error_nomem(err, "a printer", sizeof *p);
    p->style = s;
    p->out = out;
    *printer = p;
    return MF_OK;
}

void mf_printer_free(mf_printer *p)
{
    free(p);
}

static mf_dim dim_of(mf_quantity q)
{
    mf_dim d;
    for (int i = 0; i < MF_NDIM; i++)
        d.e[i] = q.dim[i];
    return d;
}

static void format_error(const mf_fitter *f, double e, char *buf, size_t n)
{
    if (isnan(e))
        snprintf(buf, n, "nan");
    else
        mf_quantity_format(e, dim_of(mf_fitter_error_unit(f)), buf, n);
}

/* "gl = 10.02 nS, g_na = 20 uS" */
static void format_params(const mf_fitter *f, const double *x, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int p = 0; x && p < f->n_params && used < n; p++) {
        char q[64];
        mf_quantity_format(x[p], dim_of(mf_fitter_param_unit(f, p)), q, sizeof q);
        used += (size_t)snprintf(buf + used, n - used, "%s%s = %s", p ? ", " : "",
                                 mf_fitter_param_name(f, p), q);
    }
}

static void emit(const mf_printer *p, const mf_fitter *f, const char *line, bool done)
{
    if (!p->out) {
        mf_log(mf_fitter_context(f), MF_LOG_INFO, "%s", line);
        return;
    }
    if (p->style == STYLE_PROGRESS)
        fprintf(p->out, "\r%s%s", line, done ? "\n" : "");
    else
        fprintf(p->out, "%s\n", line);
    fflush(p->out);
}

/* " (3 of 60 simulations diverged: NaN or inf)" after a round that had
 * any, so unstable parameter regions show while the fit runs. */
static void append_nan(const mf_fitter *f, char *buf, size_t n)
{
    int points;
    long lanes;
    mf_fitter_round_nan(f, &points, &lanes);
    /* Only inside a fit's rounds (refine calls the printer too). */
    if (n == 0 || points == 0 || !f->guard || !f->guard->in_fit)
        return;
    if (lanes >= 0)
        snprintf(buf, n, " (%ld of %ld simulations diverged: NaN or inf)", lanes,
                 (long)f->n_samples * f->n_traces);
    else
        snprintf(buf, n, " (%d of %d parameter sets diverged: NaN or inf)", points,
                 f->n_samples);
}

int mf_printer_callback(void *printer, const mf_fitter *f, int round, int n_rounds,
                        const double *best, double best_error, int n_points,
                        const double *points, const double *errors)
{
    (void)n_points, (void)points, (void)errors;
    const mf_printer *p = printer;
    if (!p || !f)
        return 0; /* nothing to print: the fit goes on */
    char err_text[64], params[768], line[1024];
    format_error(f, best_error, err_text, sizeof err_text);
    if (p->style == STYLE_TEXT) {
        format_params(f, best, params, sizeof params);
        int used =
            snprintf(line, sizeof line, "Round %d: best error %s; %s", mf_round_number(round),
                     err_text, best ? params : "(no finite error yet)");
        append_nan(f, line + used, used < (int)sizeof line ? sizeof line - (size_t)used : 0);
        emit(p, f, line, true);
        return 0;
    }
    int number = mf_round_number(round), total = n_rounds > 0 ? n_rounds : 1;
    int filled = number * BAR_WIDTH / total;
    char bar[BAR_WIDTH + 1];
    for (int i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    snprintf(line, sizeof line, "[%s] %d/%d best error %s", bar, number, total, err_text);
    emit(p, f, line, number >= total);
    return 0;
}
