/* The round loop's guard (fitter_guard.h): checkpoints written and resumed,
 * the history file, stop requests and NaN accounting, plus their public
 * setters (modelfit/fitter.h, "Fits that survive"). */
#include "fitter_guard.h"

#include "data_text.h"
#include "group.h"
#include "plugin.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static fit_guard *guard_of(mf_fitter *f, mf_error *err)
{
    if (f->guard)
        return f->guard;
    if (!(f->guard = calloc(1, sizeof *f->guard)))
        mf_error_nomem(err, "the fitter's checkpoint settings", sizeof *f->guard);
    else
        snprintf(f->guard->opt_why, sizeof f->guard->opt_why, "no fit has run");
    return f->guard;
}

void mf_fit_guard_free(fit_guard *g)
{
    if (!g)
        return;
    if (g->hist)
        fclose(g->hist);
    if (g->pending)
        mf_fit_snapshot_clear(g->pending);
    free(g->pending);
    free(g->ckpt_path);
    free(g->hist_path);
    free(g->resume_path);
    free(g->opt);
    free(g);
}

/* Replaces *dst by a copy of src (NULL or "" clears). */
static mf_status set_path(char **dst, const char *src, mf_error *err)
{
    char *copy = NULL;
    if (src && *src && !(copy = strdup(src)))
        return mf_error_nomem(err, "a file name", strlen(src) + 1);
    free(*dst);
    *dst = copy;
    return MF_OK;
}

/* ---- the public setters ---------------------------------------------------------- */

mf_status mf_fitter_set_checkpoint(mf_fitter *f, const char *path, int every, mf_error *err)
{
    if (!f)
        return mf_error_set(err, MF_ERR_INVALID, "mf_fitter_set_checkpoint: no fitter");
    if (every < 0)
        return mf_error_set(err, MF_ERR_INVALID,
                            "checkpoint_every must be >= 0 rounds (0: only when the fit "
                            "ends), not %d",
                            every);
    fit_guard *g = guard_of(f, err);
    if (!g)
        return MF_ERR_NOMEM;
    g->every = every;
    return set_path(&g->ckpt_path, path, err);
}

mf_status mf_fitter_set_history_file(mf_fitter *f, const char *path, mf_error *err)
{
    if (!f)
        return mf_error_set(err, MF_ERR_INVALID, "mf_fitter_set_history_file: no fitter");
    fit_guard *g = guard_of(f, err);
    return g ? set_path(&g->hist_path, path, err) : MF_ERR_NOMEM;
}

mf_status mf_fitter_resume(mf_fitter *f, const char *path, mf_error *err)
{
    if (!f)
        return mf_error_set(err, MF_ERR_INVALID, "mf_fitter_resume: no fitter");
    fit_guard *g = guard_of(f, err);
    if (!g)
        return MF_ERR_NOMEM;
    if (!path || !*path)
        return set_path(&g->resume_path, NULL, err);
    unsigned char *data;
    size_t n, pn;
    const void *payload;
    mf_status rc = mf_ckpt_read(path, &data, &n, &payload, &pn, err);
    if (rc != MF_OK)
        return rc;
    fit_snapshot s;
    rc = mf_fit_snapshot_parse(payload, pn, path, &s, err);
    free(data);
    if (rc != MF_OK)
        return rc;
    mf_fit_snapshot_clear(&s);
    return set_path(&g->resume_path, path, err);
}

void mf_fitter_request_stop(mf_fitter *f)
{
    if (f)
        f->stop_requested = 1;
}

void mf_fitter_set_stop_flag(mf_fitter *f, const volatile sig_atomic_t *flag)
{
    /* No allocation when clearing, so clearing never fails. */
    if (f && (flag || f->guard) && guard_of(f, NULL))
        f->guard->stop_flag = flag;
}

void mf_fitter_round_nan(const mf_fitter *f, int *nan_points, long *nan_lanes)
{
    const fit_guard *g = f ? f->guard : NULL;
    if (nan_points)
        *nan_points = g ? g->nan_points : 0;
    if (nan_lanes)
        *nan_lanes = g ? g->nan_lanes : 0;
}

static bool stop_wanted(const mf_fitter *f)
{
    const fit_guard *g = f->guard;
    return f->stop_requested || (g && g->stop_flag && *g->stop_flag);
}

/* ---- prepare: refusals before the fitter changes -------------------------------- */

/* Reads the resume's checkpoint and decides what to do with it. */
static mf_status prepare_resume(mf_fitter *f, fit_guard *g, mf_error *err)
{
    unsigned char *data;
    size_t n, pn;
    const void *payload;
    const char *name = g->resume_path;
    mf_status rc = mf_ckpt_read(name, &data, &n, &payload, &pn, err);
    if (rc != MF_OK)
        return rc;
    fit_snapshot *s = calloc(1, sizeof *s);
    rc = s ? mf_fit_snapshot_parse(payload, pn, name, s, err)
           : mf_error_nomem(err, "a checkpoint's contents", sizeof *s);
    free(data);
    if (rc != MF_OK) {
        free(s);
        return rc;
    }
    long call = g->calls + 1;
    if ((long)s->call < call) {
        /* Written by an earlier fit call of this fitter, which has run. */
        mf_log(f->ctx, MF_LOG_INFO,
               "checkpoint '%s' is from fit call %lu; this is call %ld: not used", name,
               (unsigned long)s->call, call);
        mf_fit_snapshot_clear(s);
        free(s);
        return set_path(&g->resume_path, NULL, err);
    }
    rc = mf_fit_snapshot_match(s, &g->print, name, err);
    if (rc != MF_OK && (long)s->call == call) {
        mf_fit_snapshot_clear(s);
        free(s);
        return rc;
    }
    /* A later call's checkpoint with other settings: this call only
     * yields to it (runs no round); that call will restore it. */
    g->pending_restore = rc == MF_OK;
    g->pending = s;
    return MF_OK;
}

mf_status mf_fit_guard_prepare(mf_fitter *f, mf_optimizer *opt, const fit_metric *metrics,
                               int n_metrics, const double *lo, const double *hi, mf_error *err)
{
    /* Over processes (MPI), each process checks its own share. */
    mf_status rc = f->evaluate == mf_fitter_evaluate ? mf_fit_check_memory(f, err) : MF_OK;
    fit_guard *g = f->guard;
    if (rc != MF_OK || !g)
        return rc;
    if (g->pending) {
        mf_fit_snapshot_clear(g->pending);
        free(g->pending);
        g->pending = NULL;
    }
    /* A file that cannot be written is refused now, not after round 1. */
    if (g->ckpt_path)
        rc = mf_atomic_probe(g->ckpt_path, "the checkpoint", err);
    if (rc == MF_OK && g->hist_path)
        rc = mf_atomic_probe(g->hist_path, "the history file", err);
    if (rc != MF_OK || (!g->ckpt_path && !g->resume_path))
        return rc;
    if (!mf_optimizer_can_save(opt))
        return mf_error_set(err, MF_ERR_UNSUPPORTED,
                            "optimizer '%s' cannot save its state (its plugin has no "
                            "save/load), so this fit cannot be %s: use an optimizer that can "
                            "(random, grid, de) or fit without checkpoint",
                            mf_optimizer_name(opt),
                            g->resume_path ? "resumed from a checkpoint" : "checkpointed");
    mf_fit_fingerprint(f, opt, metrics, n_metrics, lo, hi, &g->print);
    return g->resume_path ? prepare_resume(f, g, err) : MF_OK;
}

/* ---- begin -------------------------------------------------------------------------- */

/* Keeps the optimizer's state after a whole round: the checkpoint of a
 * round that fails or is abandoned half-way is the state before it. With
 * a checkpoint set a failure fails the fit; without one it only means
 * mf_fitter_write_checkpoint cannot write one later (opt_why says why). */
static mf_status keep_optimizer(mf_fitter *f, fit_guard *g, mf_error *err)
{
    g->opt_kept = false;
    if (!g->ckpt_path && !mf_optimizer_can_save(f->opt))
        return MF_OK;
    mf_error local;
    mf_error *e = g->ckpt_path ? err : &local;
    size_t len = 0;
    mf_status rc = mf_optimizer_save(f->opt, NULL, 0, &len, e);
    if (rc == MF_OK && len > g->opt_cap) {
        unsigned char *p = realloc(g->opt, len);
        if (p) {
            g->opt = p;
            g->opt_cap = len;
        } else
            rc = mf_error_nomem(e, "a copy of the optimizer's state", len);
    }
    if (rc == MF_OK)
        rc = mf_optimizer_save(f->opt, g->opt, g->opt_cap, &len, e);
    g->opt_len = len;
    g->opt_kept = rc == MF_OK;
    if (rc != MF_OK)
        snprintf(g->opt_why, sizeof g->opt_why, "%s", mf_error_body(e->message));
    return g->ckpt_path ? rc : MF_OK;
}

static mf_status open_history(mf_fitter *f, fit_guard *g, mf_error *err)
{
    if (!g->hist_path)
        return MF_OK;
    mf_status rc = mf_fitter_write_csv(f, g->hist_path, err);
    if (rc != MF_OK)
        return rc;
    if (!(g->hist = fopen(g->hist_path, "a")))
        return mf_error_set(err, MF_ERR_IO, "cannot append to the history file '%s': %s",
                            g->hist_path, strerror(errno));
    return MF_OK;
}

/* The round this call starts at, from a resumed checkpoint or a later
 * call's one met before. */
static int resume_point(mf_fitter *f, fit_guard *g, int n_rounds, mf_error *err, mf_status *rc)
{
    int first = 0;
    fit_snapshot *s = g->pending;
    if (s) {
        g->pending = NULL;
        *rc = g->pending_restore ? mf_fit_snapshot_apply(f, s, g->resume_path, err) : MF_OK;
        if (*rc == MF_OK) {
            mf_log(f->ctx, MF_LOG_INFO, "resumed from '%s': fit call %lu, %u of %u rounds done",
                   g->resume_path, (unsigned long)s->call, (unsigned)s->call_done,
                   (unsigned)s->call_rounds);
            g->skip_to_call = (long)s->call;
            g->skip_done = (int)s->call_done;
            free(g->resume_path);
            g->resume_path = NULL;
        }
        mf_fit_snapshot_clear(s);
        free(s);
    }
    if (*rc == MF_OK && g->skip_to_call > 0) {
        if (g->calls < g->skip_to_call)
            first = n_rounds;
        else {
            first = g->calls == g->skip_to_call ? g->skip_done : 0;
            g->skip_to_call = 0;
        }
    }
    return first < n_rounds ? first : n_rounds;
}

mf_status mf_fit_guard_begin(mf_fitter *f, int n_rounds, int *first, mf_error *err)
{
    *first = 0;
    fit_guard *g = guard_of(f, err);
    if (!g)
        return MF_ERR_NOMEM;
    g->calls++;
    g->in_fit = true;
    g->nan_points = 0;
    g->nan_lanes = 0;
    g->interrupted = false;
    mf_status rc = MF_OK;
    *first = resume_point(f, g, n_rounds, err, &rc);
    g->call_first = g->call_done = *first;
    g->call_rounds = n_rounds;
    /* An optimizer waiting for the errors of a round that failed (the
     * fit will ask for it again) still has the kept state of the round
     * before, which is the history's. */
    if (rc == MF_OK && mf_optimizer_between_rounds(f->opt))
        rc = keep_optimizer(f, g, err);
    if (rc == MF_OK)
        rc = open_history(f, g, err);
    if (rc == MF_OK && stop_wanted(f)) {
        g->interrupted = true;
        *first = n_rounds;
    }
    return rc;
}

/* ---- per round ------------------------------------------------------------------------ */

/* Rows [from, hist.n) as mf_fitter_write_csv writes them. */
static bool append_rows(const mf_fitter *f, FILE *fp, long from)
{
    double *row = malloc(mf_fit_history_columns(f) * sizeof *row);
    if (!row)
        return false;
    mf_c_locale loc;
    mf_c_locale_enter(&loc);
    bool ok = true;
    for (long i = from; i < f->hist.n && ok; i++) {
        size_t n = mf_fit_history_row(f, i, row);
        ok = mf_csv_write_row(fp, row, n);
    }
    mf_c_locale_leave(&loc);
    free(row);
    return fflush(fp) == 0 && ok;
}

/* A checkpoint of f as it stands, with the kept optimizer state. */
static mf_status write_snapshot(const mf_fitter *f, const fit_guard *g, const fit_print *print,
                                const char *path, mf_error *err)
{
    fit_progress p = {(uint64_t)g->calls, (uint32_t)g->call_done, (uint32_t)g->call_rounds,
                      g->opt, g->opt_len};
    mf_ckpt_buf b = {0};
    mf_fit_snapshot_put(f, print, &p, &b);
    mf_status rc =
        b.bad ? mf_error_nomem(err, "a checkpoint's contents", b.cap ? b.cap * 2 : 4096)
              : mf_ckpt_write(path, b.p, b.n, err);
    mf_ckpt_buf_free(&b);
    return rc;
}

static mf_status write_checkpoint(mf_fitter *f, fit_guard *g, mf_error *err)
{
    return write_snapshot(f, g, &g->print, g->ckpt_path, err);
}

mf_status mf_fit_guard_round(mf_fitter *f, int n_points, const double *errors, mf_error *err)
{
    fit_guard *g = f->guard;
    g->call_done++;
    g->round_points = n_points;
    g->nan_points = 0;
    for (int i = 0; i < n_points; i++)
        g->nan_points += isnan(errors[i]) != 0;
    g->nan_lanes = f->evaluate == mf_fitter_evaluate ? f->nan_lanes : -1;
    if (g->hist && !append_rows(f, g->hist, f->hist.n - n_points))
        return mf_error_set(err, MF_ERR_IO, "cannot append to the history file '%s': %s",
                            g->hist_path, strerror(errno));
    mf_status rc = keep_optimizer(f, g, err);
    if (rc == MF_OK && g->ckpt_path && g->every > 0 && f->rounds % g->every == 0)
        rc = write_checkpoint(f, g, err);
    return rc;
}

mf_status mf_fit_guard_after(mf_fitter *f, bool *done, mf_error *err)
{
    fit_guard *g = f->guard;
    long lanes = (long)g->round_points * f->n_traces;
    bool all = g->round_points > 0 &&
               (g->nan_lanes >= 0 ? g->nan_lanes == lanes : g->nan_points == g->round_points);
    if (all) {
        *done = true;
        char method[96];
        snprintf(method, sizeof method,
                 f->spec->method ? "method '%s'" : "the default method%s",
                 f->spec->method ? f->spec->method : "");
        return mf_error_set(
            err, MF_ERR_NUMERIC,
            "every simulation of round %d diverged (%ld of %ld went NaN or infinite), so the "
            "fit stops: the parameter bounds probably allow unstable models (e.g. a negative "
            "or zero time constant, capacitance or conductance), or dt = %g s is too large "
            "for %s; narrow the bounds, lower dt or use another method "
            "(exponential_euler, rk4)",
            mf_round_number(f->rounds - 1), lanes, lanes, f->dt, method);
    }
    if (!*done && stop_wanted(f)) {
        *done = true;
        g->interrupted = true;
    }
    return MF_OK;
}

/* ---- end ------------------------------------------------------------------------------- */

static void note_interrupt(mf_fitter *f, fit_guard *g)
{
    f->stopped = true;
    if (g->ckpt_path)
        snprintf(f->stop_reason, sizeof f->stop_reason,
                 "interrupted after %d of %d rounds; the checkpoint '%s' holds the fit",
                 g->call_done, g->call_rounds, g->ckpt_path);
    else
        snprintf(f->stop_reason, sizeof f->stop_reason,
                 "interrupted after %d of %d rounds (no checkpoint was asked for; the fitter "
                 "holds its history, and mf_fitter_write_checkpoint can still write one)",
                 g->call_done, g->call_rounds);
}

mf_status mf_fit_guard_end(mf_fitter *f, mf_status rc, mf_error *err)
{
    fit_guard *g = f->guard;
    if (!g)
        return rc;
    g->in_fit = false;
    mf_error local;
    mf_error *e = rc == MF_OK ? err : &local;
    bool ran = g->call_done > g->call_first;
    if (g->ckpt_path && (ran || g->interrupted) && g->opt_kept) {
        mf_status w = write_checkpoint(f, g, e);
        /* The fit's own error wins; the user still learns that the
         * checkpoint of the rounds done is not on disk. */
        if (w != MF_OK && e == &local)
            mf_log(f->ctx, MF_LOG_ERROR,
                   "the fit failed and its checkpoint was not written: %s", local.message);
        rc = rc == MF_OK ? w : rc;
    }
    if (g->hist) {
        bool closed = fclose(g->hist) == 0;
        g->hist = NULL;
        if (!closed && rc == MF_OK)
            rc = mf_error_set(err, MF_ERR_IO, "cannot write the history file '%s': %s",
                              g->hist_path, strerror(errno));
    }
    if (g->interrupted) {
        f->stop_requested = 0;
        note_interrupt(f, g);
        if (rc == MF_OK)
            rc = mf_error_set(err, MF_ERR_STOPPED, "the fit was %s", f->stop_reason);
    }
    return rc;
}

/* ---- on demand ------------------------------------------------------------------------- */

mf_status mf_fitter_write_checkpoint(const mf_fitter *f, const char *path, mf_error *err)
{
    if (!f || !path || !*path)
        return mf_error_set(err, MF_ERR_INVALID, "mf_fitter_write_checkpoint: %s",
                            f ? "no path" : "no fitter");
    const fit_guard *g = f->guard;
    if (!f->started || !f->opt || !g || g->calls == 0)
        return mf_error_set(err, MF_ERR_INVALID,
                            "no checkpoint to write: no fit has run on this fitter yet");
    if (f->ctx && f->ctx->group && f->ctx->group->rank > 0)
        return mf_error_set(err, MF_ERR_INVALID,
                            "no checkpoint to write on process %d: in a fit spread over "
                            "processes only process 0 holds the optimizer's state",
                            f->ctx->group->rank);
    if (!mf_optimizer_can_save(f->opt))
        return mf_error_set(err, MF_ERR_UNSUPPORTED,
                            "optimizer '%s' cannot save its state (its plugin has no "
                            "save/load), so no checkpoint can be written; the history can "
                            "(mf_fitter_write_csv)",
                            mf_optimizer_name(f->opt));
    if (!g->opt_kept)
        return mf_error_set(err, MF_ERR_INVALID,
                            "no checkpoint written: the optimizer's state after the last "
                            "whole round was not kept (%s)",
                            g->opt_why);
    fit_print print;
    mf_fit_fingerprint(f, f->opt, f->metrics, f->n_metrics, f->lo, f->hi, &print);
    return write_snapshot(f, g, &print, path, err);
}
