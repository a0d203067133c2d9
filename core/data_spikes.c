/* Ragged spike trains: one array of times per trace, in seconds. */
#include "modelfit/data.h"

#include "data_text.h"
#include "error.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct mf_spike_trains {
    int n;
    int *offset;   /* n + 1 entries: train i is times[offset[i] .. offset[i + 1]) */
    double *times; /* never NULL */
};

void mf_spike_trains_free(mf_spike_trains *s)
{
    if (!s)
        return;
    free(s->offset);
    free(s->times);
    free(s);
}

int mf_spike_trains_count(const mf_spike_trains *s)
{
    return s ? s->n : 0;
}

int mf_spike_trains_len(const mf_spike_trains *s, int i)
{
    if (!s || i < 0 || i >= s->n)
        return 0;
    return s->offset[i + 1] - s->offset[i];
}

const double *mf_spike_trains_times(const mf_spike_trains *s, int i)
{
    if (!s || i < 0 || i >= s->n)
        return NULL;
    return s->times + s->offset[i];
}

/* A growing set of trains, filled train by train. */
typedef struct builder {
    int n, cap_trains;
    int *offset;
    double *times;
    size_t n_times, cap_times;
} builder;

static bool builder_add_time(builder *b, double t)
{
    if (b->n_times == (size_t)INT_MAX)
        return false;
    if (b->n_times == b->cap_times) {
        size_t cap = b->cap_times ? b->cap_times * 2 : 256;
        double *grown = realloc(b->times, cap * sizeof *grown);
        if (!grown)
            return false;
        b->times = grown;
        b->cap_times = cap;
    }
    b->times[b->n_times++] = t;
    return true;
}

/* Closes the current train (its times are those added since the last end). */
static bool builder_end_train(builder *b)
{
    if (b->n == INT_MAX - 1)
        return false;
    if (b->n + 2 > b->cap_trains) {
        int cap =
            b->cap_trains ? (b->cap_trains < INT_MAX / 2 ? b->cap_trains * 2 : INT_MAX) : 64;
        int *grown = realloc(b->offset, (size_t)cap * sizeof *grown);
        if (!grown)
            return false;
        b->offset = grown;
        b->cap_trains = cap;
    }
    b->offset[0] = 0;
    b->offset[++b->n] = (int)b->n_times;
    return true;
}

static mf_status builder_finish(builder *b, mf_spike_trains **out, mf_error *err)
{
    mf_spike_trains *s = malloc(sizeof *s);
    if (b->n == 0 && !b->offset)
        b->offset = calloc(1, sizeof *b->offset);
    if (!b->times)
        b->times = malloc(sizeof *b->times);
    if (!s || !b->offset || !b->times) {
        free(s);
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory for spike trains");
    }
    s->n = b->n;
    s->offset = b->offset;
    s->times = b->times;
    b->offset = NULL;
    b->times = NULL;
    *out = s;
    return MF_OK;
}

static void builder_free(builder *b)
{
    free(b->offset);
    free(b->times);
}

/* "nan", "inf" or "-inf": printf's %g may write "-nan" for a NaN whose sign
 * bit is set (0.0/0.0 on x86), which reads like a number. */
static const char *nonfinite_name(double t)
{
    return isnan(t) ? "nan" : t > 0 ? "inf" : "-inf";
}

/* Checks train i (messages count trains and spikes from 1, as a user
 * counts them) and adds it to the builder. */
static mf_status add_train(builder *b, int i, int len, const double *t, mf_error *err)
{
    if (len < 0)
        return mf_error_set(err, MF_ERR_INVALID,
                            "spike train %d (counting from 1): negative length %d", i + 1, len);
    if (len > 0 && !t)
        return mf_error_set(err, MF_ERR_INVALID,
                            "spike train %d (counting from 1): %d spikes but no times", i + 1,
                            len);
    for (int k = 0; k < len; k++) {
        if (!isfinite(t[k]))
            return mf_error_set(err, MF_ERR_NUMERIC,
                                "spike train %d, spike %d (counting from 1): the time is %s; "
                                "spike times must be finite",
                                i + 1, k + 1, nonfinite_name(t[k]));
        if (k > 0 && t[k] < t[k - 1])
            return mf_error_set(err, MF_ERR_INVALID,
                                "spike train %d, spike %d (counting from 1): %.17g s comes "
                                "after %.17g s; spike times must not decrease",
                                i + 1, k + 1, t[k], t[k - 1]);
        if (!builder_add_time(b, t[k]))
            return mf_error_set(err, MF_ERR_NOMEM, "out of memory for spike trains");
    }
    if (!builder_end_train(b))
        return mf_error_set(err, MF_ERR_NOMEM, "out of memory for spike trains");
    return MF_OK;
}

mf_status mf_spike_trains_new_from(int n, const int *lens, const double *const *times,
                                   mf_spike_trains **out, mf_error *err)
{
    if (!out)
        return mf_error_set(err, MF_ERR_INVALID, "mf_spike_trains_new_from: out is NULL");
    *out = NULL;
    if (n < 0 || (n > 0 && (!lens || !times)))
        return mf_error_set(err, MF_ERR_INVALID,
                            "mf_spike_trains_new_from: n < 0, or lens or times is NULL");
    builder b = {0};
    mf_status st = MF_OK;
    for (int i = 0; i < n && st == MF_OK; i++)
        st = add_train(&b, i, lens[i], times[i], err);
    if (st == MF_OK)
        st = builder_finish(&b, out, err);
    builder_free(&b);
    return st;
}

/* ---- reading ------------------------------------------------------------- */

static mf_status read_train(builder *b, const char *path, mf_text_line *line, mf_error *err)
{
    if (mf_text_is_blank(line->text))
        return MF_OK;
    double prev = -INFINITY;
    char prev_quoted[64] = "";
    char *cell = line->text;
    for (;;) {
        char *comma = strchr(cell, ',');
        if (comma)
            *comma = '\0';
        double t = 0;
        char *start;
        mf_cell_status cs = mf_text_parse_cell(cell, &t, &start);
        int col = (int)(start - line->text) + 1;
        char quoted[64];
        mf_text_quote_cell(cell, quoted, sizeof quoted);
        if (cs == MF_CELL_EMPTY)
            return mf_error_at(err, MF_ERR_PARSE, path, line->number, col, "empty cell");
        if (cs != MF_CELL_OK)
            return mf_error_at(err, MF_ERR_PARSE, path, line->number, col,
                               "%s is not a spike time in seconds", quoted);
        if (!isfinite(t))
            return mf_error_at(err, MF_ERR_PARSE, path, line->number, col,
                               "spike time %s is not finite", quoted);
        if (t < prev)
            return mf_error_at(err, MF_ERR_PARSE, path, line->number, col,
                               "spike times must not decrease: %s after %s", quoted,
                               prev_quoted);
        if (!builder_add_time(b, t))
            return mf_error_set(err, MF_ERR_NOMEM, "out of memory reading '%s'", path);
        prev = t;
        memcpy(prev_quoted, quoted, sizeof quoted);
        if (!comma)
            return MF_OK;
        cell = comma + 1;
    }
}

static mf_status read_trains(builder *b, const char *path, char *text, size_t len,
                             mf_error *err)
{
    if (len == 0)
        return mf_error_at(err, MF_ERR_PARSE, path, 1, 1,
                           "the file is empty (write one line per trace, an empty line for "
                           "a trace without spikes)");
    mf_text_cursor cur;
    mf_text_cursor_init(&cur, text, len);
    mf_text_line line;
    while (mf_text_next_line(&cur, &line)) {
        mf_status st = read_train(b, path, &line, err);
        if (st != MF_OK)
            return st;
        if (!builder_end_train(b))
            return mf_error_set(err, MF_ERR_NOMEM, "out of memory reading '%s'", path);
    }
    return MF_OK;
}

mf_status mf_read_spike_csv(const char *path, mf_spike_trains **out, mf_error *err)
{
    if (!out)
        return mf_error_set(err, MF_ERR_INVALID, "mf_read_spike_csv: out is NULL");
    *out = NULL;
    if (!path)
        return mf_error_set(err, MF_ERR_INVALID, "mf_read_spike_csv: path is NULL");
    char *text;
    size_t len;
    mf_status st = mf_text_read_file(path, &text, &len, err);
    if (st != MF_OK)
        return st;
    builder b = {0};
    mf_c_locale loc;
    mf_c_locale_enter(&loc);
    st = read_trains(&b, path, text, len, err);
    mf_c_locale_leave(&loc);
    free(text);
    if (st == MF_OK)
        st = builder_finish(&b, out, err);
    builder_free(&b);
    return st;
}
