/* Progress of a fit, printed after every round: a bar redrawn in place on
 * a terminal (rounds done/total, best error, elapsed time, ETA), plain
 * one-line-per-round text otherwise (a log file, a pipe, ctest). */
#ifndef MF_HOST_PROGRESS_H
#define MF_HOST_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

typedef struct mf_progress {
    FILE *out;
    bool tty;       /* redraw one line with '\r' */
    int total;      /* rounds planned; 0 when unknown */
    double start;   /* monotonic clock at mf_progress_start, seconds */
    int last_len;   /* characters of the last bar, to blank what is left */
    bool open_line; /* a bar was drawn and no newline ended it yet */
} mf_progress;

/* Starts the clock. tty: 1 bar, 0 plain lines, -1 decide by isatty(out). */
void mf_progress_start(mf_progress *p, FILE *out, int total, int tty);

/* Reports `done` rounds finished and the best error so far as text
 * ("1.02 mV^2", from mf_quantity_to_string; NULL when there is none yet). */
void mf_progress_update(mf_progress *p, int done, const char *best_error);

/* The same with the time given (seconds since start), for tests. */
void mf_progress_update_at(mf_progress *p, int done, const char *best_error, double elapsed);

/* Ends the bar's line (a terminal) so later output starts on a new one. */
void mf_progress_finish(mf_progress *p);

/* Seconds as "12.3 s", "4:05" or "1:02:03". */
char *mf_progress_format_time(double seconds, char *buf, size_t n);

#endif
