/* Fits that survive: the fitter's checkpoints, history file, stop requests,
 * NaN accounting and memory limit (modelfit/fitter.h, "Fits that
 * survive"), hooked into the round loop of fitter_fit.c:
 *
 *   mf_fitter_fit
 *     make_plan                       the fit's optimizer, metrics, bounds
 *     mf_fit_guard_prepare            refusals before anything changes:
 *                                     memory, an optimizer that cannot
 *                                     save, a resume's checkpoint
 *     (commit the plan, restart)
 *     mf_fit_guard_begin              restore a resume, open the history
 *                                     file; the first round to run
 *     per round: ask, evaluate, tell, history, best
 *       mf_fit_guard_round            NaN counts, history rows, checkpoint
 *       (the callback)
 *       mf_fit_guard_after            stop request, every lane NaN
 *     mf_fit_guard_end                last checkpoint, close, an
 *                                     interruption becomes MF_ERR_STOPPED
 *
 * Files: fitter_guard.c (the hooks and the public setters),
 * fitter_checkpoint.c (fingerprint, the checkpoint's contents),
 * fitter_memory.c (the estimate), checkpoint.c (the container). */
#ifndef MF_CORE_FITTER_GUARD_H
#define MF_CORE_FITTER_GUARD_H

#include "checkpoint.h"
#include "fitter.h"

#include <stdio.h>

/* ---- fitter_checkpoint.c ------------------------------------------------- */

/* The parts of a fit's settings a checkpoint must match. */
enum {
    FIT_PART_MODEL,
    FIT_PART_CONSTANTS,
    FIT_PART_DATA,
    FIT_PART_DT,
    FIT_PART_METHOD,
    FIT_PART_BOUNDS,
    FIT_PART_METRICS,
    FIT_PART_OPTIMIZER,
    FIT_PART_N_SAMPLES,
    FIT_N_PARTS
};

typedef struct fit_print {
    uint8_t part[FIT_N_PARTS][32]; /* SHA-256 of each part */
} fit_print;

/* Writes what the parts set in `mask` (bit 1 << FIT_PART_*) cover into
 * buf, "the data (input or target traces); dt", and returns how many. For
 * messages naming the parts that differ (checkpoints, processes). */
int mf_fit_parts_text(unsigned mask, char *buf, size_t n);

/* The fingerprint of the fit about to run with these settings. */
void mf_fit_fingerprint(const mf_fitter *f, const mf_optimizer *opt, const fit_metric *metrics,
                        int n_metrics, const double *lo, const double *hi, fit_print *out);

/* A checkpoint's contents. */
typedef struct fit_snapshot {
    int n_parts;
    char *part_name[FIT_N_PARTS];
    uint8_t part[FIT_N_PARTS][32];
    uint32_t kind, n_params, n_metrics, n_samples;
    uint64_t call; /* the fit call of the fitter that wrote it (1 = first) */
    uint32_t call_done, call_rounds;
    int64_t rounds, next_iteration, last_iteration, best;
    unsigned char *opt; /* mf_optimizer_save's bytes */
    size_t opt_len;
    fit_history hist;
} fit_snapshot;

/* The contents of a checkpoint of f now: the fingerprint, which call wrote
 * it and how far it got, the optimizer state (saved bytes), the history
 * and the counters. */
typedef struct fit_progress {
    uint64_t call;
    uint32_t call_done, call_rounds;
    const unsigned char *opt;
    size_t opt_len;
} fit_progress;
void mf_fit_snapshot_put(const mf_fitter *f, const fit_print *print, const fit_progress *p,
                         mf_ckpt_buf *out);

/* Parses a payload (every length and index checked against what is there);
 * name names the file in messages. */
mf_status mf_fit_snapshot_parse(const void *payload, size_t n, const char *name,
                                fit_snapshot *out, mf_error *err);
void mf_fit_snapshot_clear(fit_snapshot *s);

/* MF_OK when the snapshot was written with these settings; else an error
 * naming every part that differs. */
mf_status mf_fit_snapshot_match(const fit_snapshot *s, const fit_print *print, const char *name,
                                mf_error *err);

/* Restores f (started with the same settings) to the snapshot: optimizer
 * state, history, best, counters. The history moves out of s. */
mf_status mf_fit_snapshot_apply(mf_fitter *f, fit_snapshot *s, const char *name, mf_error *err);

/* ---- fitter_memory.c ------------------------------------------------------ */

/* Refuses a fit whose round would need more memory than the machine has. */
mf_status mf_fit_check_memory(const mf_fitter *f, mf_error *err);

/* ---- fitter_guard.c ------------------------------------------------------- */

typedef struct fit_guard {
    /* Settings (the public setters). */
    char *ckpt_path;
    int every;
    char *hist_path;
    char *resume_path;
    const volatile sig_atomic_t *stop_flag;

    long calls; /* fit calls that started rounds (the current one included) */
    /* A checkpoint of a later call was met: calls before it run no round,
     * that call continues after skip_done rounds. 0: none. */
    long skip_to_call;
    int skip_done;

    /* The current call. */
    fit_print print;       /* its fingerprint (with checkpoint or resume) */
    fit_snapshot *pending; /* a checked resume, restored by begin */
    bool pending_restore;  /* restore it (else only skip to its call) */
    int call_first;        /* rounds done before this process started it */
    int call_done;         /* rounds done in this call, call_first included */
    int call_rounds;       /* its n_rounds */
    /* The optimizer's state after the last whole round (the one a
     * checkpoint holds: a round that fails half-way is not in it), kept
     * after every round when a checkpoint is set or the optimizer can
     * save (for mf_fitter_write_checkpoint). opt_kept: it matches the
     * history; else opt_why says why not. */
    unsigned char *opt;
    size_t opt_len, opt_cap;
    bool opt_kept;
    char opt_why[MF_ERROR_MESSAGE_MAX];
    FILE *hist;       /* the open history file */
    bool interrupted; /* a stop request was honoured */
    bool in_fit;      /* between begin and end */
    int nan_points;   /* the last round's NaN parameter sets */
    long nan_lanes;   /* and diverged simulations (-1: unknown) */
    int round_points;
} fit_guard;

void mf_fit_guard_free(fit_guard *g);

mf_status mf_fit_guard_prepare(mf_fitter *f, mf_optimizer *opt, const fit_metric *metrics,
                               int n_metrics, const double *lo, const double *hi,
                               mf_error *err);
/* *first: the round of this call to start at (rounds already done by the
 * call a resumed checkpoint came from); n_rounds: the call's. */
mf_status mf_fit_guard_begin(mf_fitter *f, int n_rounds, int *first, mf_error *err);
mf_status mf_fit_guard_round(mf_fitter *f, int n_points, const double *errors, mf_error *err);
mf_status mf_fit_guard_after(mf_fitter *f, bool *done, mf_error *err);
mf_status mf_fit_guard_end(mf_fitter *f, mf_status rc, mf_error *err);

#endif
