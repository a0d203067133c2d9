/* The progress printer of a fit. On a terminal one line is redrawn in
 * place; anywhere else each round appends a line, so a log stays readable
 * and nothing depends on control characters. */
#include "progress.h"

#include <math.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { BAR_WIDTH = 24, LINE_MAX_CHARS = 160 };

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void mf_progress_start(mf_progress *p, FILE *out, int total, int tty)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->total = total > 0 ? total : 0;
    p->tty = tty < 0 ? isatty(fileno(out)) != 0 : tty != 0;
    p->start = now_seconds();
}

char *mf_progress_format_time(double seconds, char *buf, size_t n)
{
    if (!isfinite(seconds) || seconds < 0) {
        snprintf(buf, n, "?");
        return buf;
    }
    if (seconds < 60) {
        snprintf(buf, n, "%.1f s", seconds);
        return buf;
    }
    long s = lround(seconds);
    if (s < 3600)
        snprintf(buf, n, "%ld:%02ld", s / 60, s % 60);
    else
        snprintf(buf, n, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    return buf;
}

/* The estimated time left, from the mean time of the rounds so far. */
static double eta(const mf_progress *p, int done, double elapsed)
{
    if (p->total == 0 || done <= 0)
        return NAN;
    return elapsed / done * (p->total - done);
}

static void draw_bar(mf_progress *p, int done, const char *best, double elapsed)
{
    char bar[BAR_WIDTH + 1];
    int filled = p->total ? (int)((double)BAR_WIDTH * done / p->total) : 0;
    if (filled > BAR_WIDTH)
        filled = BAR_WIDTH;
    for (int i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    char el[32], left[32], line[LINE_MAX_CHARS];
    int len =
        snprintf(line, sizeof line, "round %d/%d [%s] best %s  %s  ETA %s", done, p->total, bar,
                 best ? best : "-", mf_progress_format_time(elapsed, el, sizeof el),
                 mf_progress_format_time(eta(p, done, elapsed), left, sizeof left));
    if (len >= (int)sizeof line)
        len = (int)sizeof line - 1;
    /* Spaces over the rest of a longer previous line. */
    int pad = p->last_len > len ? p->last_len - len : 0;
    fprintf(p->out, "\r%s%*s", line, pad, "");
    p->last_len = len;
    p->open_line = true;
}

static void print_line(mf_progress *p, int done, const char *best, double elapsed)
{
    char el[32], left[32];
    if (p->total)
        fprintf(p->out, "round %d/%d: best error %s, elapsed %s, ETA %s\n", done, p->total,
                best ? best : "-", mf_progress_format_time(elapsed, el, sizeof el),
                mf_progress_format_time(eta(p, done, elapsed), left, sizeof left));
    else
        fprintf(p->out, "round %d: best error %s, elapsed %s\n", done, best ? best : "-",
                mf_progress_format_time(elapsed, el, sizeof el));
}

void mf_progress_update_at(mf_progress *p, int done, const char *best_error, double elapsed)
{
    if (p->tty && p->total)
        draw_bar(p, done, best_error, elapsed);
    else
        print_line(p, done, best_error, elapsed);
    fflush(p->out);
}

void mf_progress_update(mf_progress *p, int done, const char *best_error)
{
    mf_progress_update_at(p, done, best_error, now_seconds() - p->start);
}

void mf_progress_finish(mf_progress *p)
{
    if (p->open_line) {
        fputc('\n', p->out);
        fflush(p->out);
    }
    p->open_line = false;
    p->last_len = 0;
}
