/* Fits over a group of processes (modelfit/distribute.h): the protocol.
 *
 * Process 0 drives; the others answer. Every exchange starts with a
 * header that process 0 broadcasts; what follows depends on its command:
 *
 *   BEGIN  each process sets its fit up and gathers {status, fingerprint} to 0
 *   BATCH  the round's points are scattered by the deal; each process
 *          evaluates its share; {status, seconds, errors} are gathered
 *   WHY    after a failure: every process's last message is gathered
 *   END    the fit's outcome and new history rows are broadcast
 *   EXIT   process 0 has ended its program: {status, message} gathered
 *
 * A process > 0 that is not in a fit (it has ended its program and waits
 * in mf_group_finish) still answers every command, with an error, so a
 * process 0 that starts one more fit gets a message instead of a hang.
 * Messages are only gathered after a failure (WHY) so that a round moves
 * few bytes: the points out, n_points x (1 + 2 n_outputs) doubles back. */
#include "context.h"
#include "fitter_dist.h"
#include "fitter_guard.h"
#include "group.h"
#include "modelfit/modelfit.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { CMD_BEGIN = 1, CMD_BATCH, CMD_WHY, CMD_END, CMD_EXIT };

typedef struct dist_header {
    int32_t cmd;
    int32_t n_points, n_params, n_out; /* BATCH: the sizes of what follows */
    double iteration;                  /* BATCH */
    uint64_t bytes;                    /* END: the payload that follows */
} dist_header;

/* BEGIN's answer: the setup's status, the library's version and the
 * fingerprint of the fit's settings, part by part (the checkpoints' own,
 * mf_fit_fingerprint), so a mismatch names the part that differs. */
typedef struct dist_hello {
    int32_t status, pad;
    char version[64];
    fit_print print;
} dist_hello;

/* BATCH's answer starts with this, then the share's errors, norm, raw. */
typedef struct dist_reply {
    int32_t status, pad;
    double seconds;
} dist_reply;

/* EXIT's answer. */
typedef struct dist_bye {
    int32_t status, pad;
    char message[MF_ERROR_MESSAGE_MAX];
} dist_bye;

/* END's payload starts with this, then n_rows rows: points, errors, norm,
 * raw (n_out per row) and rounds (int32). */
typedef struct dist_end {
    int32_t status, stopped;
    int32_t n_params, n_out;
    int64_t first_row; /* -1: the workers never set this fit up */
    int64_t n_rows, rounds, best, next_iteration, last_iteration;
    char message[MF_ERROR_MESSAGE_MAX];
    char stop_reason[MF_ERROR_MESSAGE_MAX];
} dist_end;

/* Process 0's error as it was, word for word. */
static mf_status copy_error(mf_error *err, mf_status status, const char *message)
{
    if (err) {
        err->status = status;
        err->line = err->col = 0;
        snprintf(err->message, sizeof err->message, "%s", message);
    }
    return status;
}

static mf_status send_header(mf_group *g, const dist_header *h, double *timer, mf_error *err)
{
    dist_header copy = *h;
    return mf_group_bcast(g, &copy, sizeof copy, timer, err);
}

static mf_status send_cmd(mf_group *g, int cmd, mf_error *err)
{
    dist_header h = {.cmd = cmd};
    return send_header(g, &h, NULL, err);
}

/* --- the deal ------------------------------------------------------------------- */

/* splitmix64: a fixed stream for the shuffle. */
static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void mf_fit_dist_deal(int n, int size, int *order, int *count, int *at)
{
    for (int r = 0, pos = 0; r < size; r++) {
        count[r] = n / size + (r < n % size);
        at[r] = pos;
        pos += count[r];
    }
    if (!order)
        return;
    for (int i = 0; i < n; i++)
        order[i] = i;
    uint64_t s = 20240229;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(splitmix(&s) % (uint64_t)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

/* --- what must agree between processes -------------------------------------------- */

static void hello_of(const mf_fitter *f, mf_status setup, dist_hello *out)
{
    memset(out, 0, sizeof *out);
    out->status = (int32_t)setup;
    if (setup != MF_OK)
        return;
    snprintf(out->version, sizeof out->version, "%s", mf_version());
    mf_fit_fingerprint(f, f->opt, f->metrics, f->n_metrics, f->lo, f->hi, &out->print);
}

/* The parts of the settings that differ between two processes. The
 * optimizer is left out: only process 0's is used (another process's
 * seed, say, changes nothing). */
static unsigned hello_differs(const dist_hello *a, const dist_hello *b)
{
    unsigned mask = 0;
    for (int i = 0; i < FIT_N_PARTS; i++)
        if (i != FIT_PART_OPTIMIZER && memcmp(a->print.part[i], b->print.part[i], 32) != 0)
            mask |= 1u << i;
    return mask;
}

static mf_status mismatch(const mf_group *g, int r, const dist_hello *mine,
                          const dist_hello *theirs, mf_error *err)
{
    if (strcmp(mine->version, theirs->version) != 0)
        return mf_error_set(err, MF_ERR_INVALID,
                            "process %d of %d runs modelfit %.60s, process 0 modelfit %.60s: "
                            "every process must run the same build",
                            r, g->size, theirs->version, mine->version);
    char list[1024];
    int n = mf_fit_parts_text(hello_differs(mine, theirs), list, sizeof list);
    return mf_error_set(err, MF_ERR_INVALID,
                        "process %d of %d fits with other settings than process 0: %s %s; "
                        "every process must run the same script on the same files",
                        r, g->size, list, n == 1 ? "differs" : "differ");
}

/* --- the fit on process 0 ------------------------------------------------------- */

/* A fit's arguments, as mf_fitter_fit takes them. */
typedef struct fit_call {
    mf_optimizer *opt;
    mf_metric *const *metrics;
    int n_rounds, n_bounds;
    const char *const *names;
    const double *lo, *hi;
    mf_fit_callback cb;
    void *user;
    bool restart;
    long start_iteration;
} fit_call;

struct fit_dist {
    mf_group *g;
    mf_fit_evaluate_fn local; /* the fitter's own batch evaluation */
    bool begun;
    long first_row; /* history rows before the fit's first round */
};

static mf_status plain_fit(mf_fitter *f, const fit_call *c, int n_rounds, mf_fit_callback cb,
                           mf_error *err)
{
    return mf_fitter_fit(f, c->opt, c->metrics, n_rounds, c->n_bounds, c->names, c->lo, c->hi,
                         cb, c->user, c->restart, c->start_iteration, err);
}

/* After a failure: every process's message; the error names the first
 * process that failed (by the flags in failed[]). */
static mf_status why(mf_group *g, const char *mine, const bool *failed, mf_error *err)
{
    char *all = malloc((size_t)g->size * MF_ERROR_MESSAGE_MAX);
    char own[MF_ERROR_MESSAGE_MAX] = {0};
    snprintf(own, sizeof own, "%s", mine ? mine : "");
    if (!all)
        return mf_error_nomem(err, "every process's message",
                              (size_t)g->size * MF_ERROR_MESSAGE_MAX);
    mf_status rc = send_cmd(g, CMD_WHY, err);
    if (rc == MF_OK)
        rc = mf_group_gather_fixed(g, own, all, MF_ERROR_MESSAGE_MAX, err);
    int first = -1, more = 0;
    for (int r = 0; r < g->size; r++)
        if (failed[r]) {
            more += first >= 0;
            if (first < 0)
                first = r;
        }
    if (rc == MF_OK && first >= 0) {
        /* Relayed without its "error: " (the relay adds its own). */
        const char *m = mf_error_body(all + (size_t)first * MF_ERROR_MESSAGE_MAX);
        mf_error_set(err, MF_ERR_INVALID, "process %d of %d: %.*s%s", first, g->size,
                     MF_ERROR_MESSAGE_MAX - 64, m[0] ? m : "failed",
                     more ? " (and more processes failed)" : "");
        rc = MF_ERR_INVALID;
    }
    free(all);
    return rc;
}

/* BEGIN: the workers set up their fit; fingerprints are compared. */
static mf_status owner_begin(mf_fitter *f, struct fit_dist *d, mf_error *err)
{
    mf_group *g = d->g;
    d->begun = true;
    d->first_row = f->hist.n;
    dist_hello mine, *all = malloc(sizeof *all * (size_t)g->size);
    bool *failed = calloc((size_t)g->size, sizeof *failed);
    mf_status rc = all && failed
                       ? MF_OK
                       : mf_error_nomem(err, "every process's fingerprint",
                                        (size_t)g->size * (sizeof *all + sizeof *failed));
    hello_of(f, MF_OK, &mine);
    if (rc == MF_OK)
        rc = send_cmd(g, CMD_BEGIN, err);
    if (rc == MF_OK)
        rc = mf_group_gather_fixed(g, &mine, all, sizeof mine, err);
    int other = -1;
    bool any = false;
    for (int r = 1; rc == MF_OK && r < g->size; r++) {
        failed[r] = all[r].status != MF_OK;
        any |= failed[r];
        if (!failed[r] && other < 0 &&
            (strcmp(all[r].version, mine.version) != 0 || hello_differs(&mine, &all[r])))
            other = r;
    }
    if (rc == MF_OK && any)
        rc = why(g, NULL, failed, err);
    else if (rc == MF_OK && other > 0)
        rc = mismatch(g, other, &mine, &all[other], err);
    free(all);
    free(failed);
    return rc;
}

/* The round's buffers on process 0. */
typedef struct batch_bufs {
    int *order, *count, *at;
    size_t *bytes, *byte_at;
    double *send, *share, *back;
    void *own; /* process 0's reply, gathered into back */
    size_t reply_max;
} batch_bufs;

static void batch_free(batch_bufs *b)
{
    free(b->order);
    free(b->count);
    free(b->bytes);
    free(b->send);
    free(b->share);
    free(b->back);
    free(b->own);
}

static size_t reply_bytes(int n, int n_out)
{
    return sizeof(dist_reply) + sizeof(double) * (size_t)n * (size_t)(1 + 2 * n_out);
}

static mf_status batch_alloc(const mf_group *g, int n, int n_params, int n_out, batch_bufs *b,
                             mf_error *err)
{
    memset(b, 0, sizeof *b);
    size_t p = (size_t)g->size;
    b->order = malloc(sizeof(int) * ((size_t)n + 1));
    b->count = malloc(sizeof(int) * 2 * p);
    b->bytes = malloc(sizeof(size_t) * 2 * p);
    b->send = malloc(sizeof(double) * ((size_t)n * (size_t)n_params + 1));
    b->share = malloc(sizeof(double) * ((size_t)n * (size_t)n_params + 1));
    /* Every reply at most one point longer than n / size. */
    b->reply_max = reply_bytes(n / g->size + 1, n_out);
    b->back = malloc(b->reply_max * p);
    b->own = malloc(b->reply_max);
    if (!b->order || !b->count || !b->bytes || !b->send || !b->share || !b->back || !b->own)
        return mf_error_nomem(err, "a round's buffers for the processes",
                              (size_t)n *
                                      (2 * (size_t)n_params * sizeof(double) + sizeof(int)) +
                                  b->reply_max * (p + 1));
    b->at = b->count + p;
    b->byte_at = b->bytes + p;
    return MF_OK;
}

/* Evaluates n points locally into a reply (header, errors, norm, raw). */
static void eval_share(mf_fitter *f, mf_fit_evaluate_fn local, int n, const double *points,
                       double iteration, void *reply, char *message, mf_group_stats *st)
{
    dist_reply *r = reply;
    double *errors = (double *)(r + 1);
    double *norm = errors + n, *raw = norm + (size_t)n * (size_t)f->n_metrics;
    mf_error e;
    mf_error_clear(&e);
    double t0 = mf_group_now();
    mf_status rc = n > 0 ? local(f, n, points, iteration, errors, norm, raw, &e) : MF_OK;
    r->seconds = mf_group_now() - t0;
    r->status = (int32_t)rc;
    r->pad = 0;
    st->local += r->seconds;
    st->points += n;
    snprintf(message, MF_ERROR_MESSAGE_MAX, "%s",
             rc == MF_OK ? "" : (e.message[0] ? e.message : mf_status_string(rc)));
}

/* Copies process r's reply into the round's arrays. */
static void unpack(const batch_bufs *b, int r, int n_out, const void *reply, double *errors,
                   double *norm, double *raw)
{
    int c = b->count[r];
    const double *e = (const double *)((const dist_reply *)reply + 1);
    const double *no = e + c, *ra = no + (size_t)c * (size_t)n_out;
    for (int j = 0; j < c; j++) {
        int i = b->order[b->at[r] + j];
        errors[i] = e[j];
        for (int o = 0; o < n_out; o++) {
            if (norm)
                norm[(size_t)i * (size_t)n_out + (size_t)o] =
                    no[(size_t)j * (size_t)n_out + (size_t)o];
            if (raw)
                raw[(size_t)i * (size_t)n_out + (size_t)o] =
                    ra[(size_t)j * (size_t)n_out + (size_t)o];
        }
    }
}

/* Checks the replies; the slowest other process's time for the stats. */
static mf_status check_replies(mf_group *g, const batch_bufs *b, const char *own_message,
                               mf_error *err)
{
    bool *failed = calloc((size_t)g->size, sizeof *failed);
    if (!failed)
        return mf_error_nomem(err, "the table of failed processes",
                              (size_t)g->size * sizeof *failed);
    bool any = false;
    double slowest = 0, own = 0;
    for (int r = 0; r < g->size; r++) {
        const dist_reply *rep = (const dist_reply *)((const char *)b->back + b->byte_at[r]);
        failed[r] = rep->status != MF_OK;
        any |= failed[r];
        if (r == 0)
            own = rep->seconds;
        else
            slowest = fmax(slowest, rep->seconds);
    }
    g->stats.wait += fmax(0, slowest - own);
    mf_status rc = any ? why(g, own_message, failed, err) : MF_OK;
    free(failed);
    return rc;
}

/* The points in the deal's order, and the bytes of each process's share. */
static void pack_points(mf_group *g, int n, int np, const double *points, batch_bufs *b)
{
    mf_fit_dist_deal(n, g->size, b->order, b->count, b->at);
    for (int k = 0; k < n; k++)
        memcpy(b->send + (size_t)k * (size_t)np, points + (size_t)b->order[k] * (size_t)np,
               sizeof(double) * (size_t)np);
    for (int r = 0; r < g->size; r++) {
        b->bytes[r] = sizeof(double) * (size_t)b->count[r] * (size_t)np;
        b->byte_at[r] = sizeof(double) * (size_t)b->at[r] * (size_t)np;
    }
    g->stats.batches++;
    g->stats.bytes_out += (double)(sizeof(double) * (size_t)(n - b->count[0]) * (size_t)np);
}

/* The replies' sizes: each in a slot of reply_max bytes. */
static void reply_layout(mf_group *g, int n_out, batch_bufs *b)
{
    for (int r = 0; r < g->size; r++) {
        b->bytes[r] = reply_bytes(b->count[r], n_out);
        b->byte_at[r] = (size_t)r * b->reply_max;
        if (r > 0)
            g->stats.bytes_back += (double)b->bytes[r];
    }
}

/* f->evaluate on process 0 during a collective fit: header, scatter, its
 * own share, gather. */
static mf_status dist_evaluate(mf_fitter *f, int n, const double *points, double iteration,
                               double *errors, double *norm, double *raw, mf_error *err)
{
    struct fit_dist *d = f->dist;
    mf_group *g = d->g;
    mf_status rc = d->begun ? MF_OK : owner_begin(f, d, err);
    if (rc != MF_OK)
        return rc;
    int np = f->n_params, no = f->n_metrics;
    batch_bufs b;
    rc = batch_alloc(g, n, np, no, &b, err);
    if (rc != MF_OK) {
        batch_free(&b);
        return rc;
    }
    pack_points(g, n, np, points, &b);
    double *timer = &g->stats.comm;
    dist_header h = {
        .cmd = CMD_BATCH, .n_points = n, .n_params = np, .n_out = no, .iteration = iteration};
    rc = send_header(g, &h, timer, err);
    if (rc == MF_OK)
        rc = mf_group_scatter(g, b.send, b.bytes, b.byte_at, b.share, timer, err);
    char message[MF_ERROR_MESSAGE_MAX];
    if (rc == MF_OK) {
        eval_share(f, d->local, b.count[0], b.share, iteration, b.own, message, &g->stats);
        reply_layout(g, no, &b);
        rc = mf_group_gather(g, b.own, b.back, b.bytes, b.byte_at, timer, err);
    }
    if (rc == MF_OK)
        rc = check_replies(g, &b, message, err);
    for (int r = 0; rc == MF_OK && r < g->size; r++)
        unpack(&b, r, no, (const char *)b.back + b.byte_at[r], errors, norm, raw);
    batch_free(&b);
    return rc;
}

/* END: the outcome and the new rows, for the other processes' history. */
static mf_status owner_end(mf_fitter *f, const struct fit_dist *d, mf_status status,
                           const mf_error *fit_err, mf_error *err)
{
    long first = d->begun ? d->first_row : -1;
    long rows = d->begun ? f->hist.n - first : 0;
    size_t np = (size_t)f->n_params, no = (size_t)f->n_metrics, n = (size_t)rows;
    size_t bytes =
        sizeof(dist_end) + n * (np + 1 + 2 * no) * sizeof(double) + n * sizeof(int32_t);
    char *buf = calloc(1, bytes);
    if (!buf)
        return mf_error_nomem(err, "the new history rows for the other processes", bytes);
    dist_end *e = (dist_end *)buf;
    e->status = (int32_t)status;
    e->stopped = f->stopped;
    e->n_params = (int32_t)np;
    e->n_out = (int32_t)no;
    e->first_row = first;
    e->n_rows = rows;
    e->rounds = f->rounds;
    e->best = f->best;
    e->next_iteration = f->next_iteration;
    e->last_iteration = f->last_iteration;
    if (status != MF_OK)
        snprintf(e->message, sizeof e->message, "%s", fit_err->message);
    snprintf(e->stop_reason, sizeof e->stop_reason, "%s", f->stop_reason);
    double *x = (double *)(e + 1);
    if (rows > 0) {
        memcpy(x, f->hist.points + (size_t)first * np, n * np * sizeof(double));
        memcpy(x + n * np, f->hist.errors + first, n * sizeof(double));
        memcpy(x + n * (np + 1), f->hist.norm + (size_t)first * no, n * no * sizeof(double));
        memcpy(x + n * (np + 1 + no), f->hist.raw + (size_t)first * no,
               n * no * sizeof(double));
        int32_t *round = (int32_t *)(x + n * (np + 1 + 2 * no));
        for (size_t i = 0; i < n; i++)
            round[i] = f->hist.round[(size_t)first + i];
    }
    dist_header h = {.cmd = CMD_END, .bytes = bytes};
    mf_status rc = send_header(d->g, &h, NULL, err);
    if (rc == MF_OK)
        rc = mf_group_bcast(d->g, buf, bytes, NULL, err);
    free(buf);
    return rc;
}

static mf_status owner_fit(mf_fitter *f, mf_group *g, const fit_call *c, mf_error *err)
{
    struct fit_dist d = {.g = g, .local = f->evaluate};
    f->dist = &d;
    f->evaluate = dist_evaluate;
    mf_error fit_err;
    mf_error_clear(&fit_err);
    mf_status rc = plain_fit(f, c, c->n_rounds, c->cb, &fit_err);
    f->evaluate = d.local;
    /* A fit that set up but ran no round (n_rounds 0, an exhausted
     * optimizer) still sets the others up: a refine may follow. */
    if (rc == MF_OK && !d.begun && f->started)
        rc = owner_begin(f, &d, &fit_err);
    f->dist = NULL;
    mf_status sent = owner_end(f, &d, rc, &fit_err, err);
    if (rc != MF_OK && err)
        *err = fit_err;
    return rc != MF_OK ? rc : sent;
}

/* --- the other processes ---------------------------------------------------------- */

typedef struct serve_state {
    mf_group *g;
    mf_fitter *f;      /* NULL: this process has ended its program */
    const fit_call *c; /* this process's own fit arguments */
    bool set_up;       /* BEGIN set the fit up here */
    mf_status status;  /* the last local outcome, for WHY and EXIT */
    char message[MF_ERROR_MESSAGE_MAX];
} serve_state;

static void note(serve_state *s, mf_status st, const char *message)
{
    s->status = st;
    snprintf(s->message, sizeof s->message, "%s", message);
}

static mf_status serve_begin(serve_state *s, mf_error *err)
{
    dist_hello mine;
    if (s->f) {
        struct fit_dist d = {.g = s->g};
        mf_error e;
        mf_error_clear(&e);
        s->f->dist = &d;
        mf_status st = plain_fit(s->f, s->c, 0, NULL, &e);
        s->f->dist = NULL;
        s->set_up = st == MF_OK;
        note(s, st, st == MF_OK ? "" : e.message);
        hello_of(s->f, st, &mine);
    } else
        hello_of(NULL, MF_ERR_INVALID, &mine);
    return mf_group_gather_fixed(s->g, &mine, NULL, sizeof mine, err);
}

static mf_status serve_batch(serve_state *s, const dist_header *h, mf_error *err)
{
    mf_group *g = s->g;
    int n = h->n_points, np = h->n_params, no = h->n_out;
    int *count = malloc(sizeof(int) * 2 * (size_t)g->size);
    size_t *bytes = malloc(sizeof(size_t) * 2 * (size_t)g->size);
    if (!count || !bytes) {
        free(count);
        free(bytes);
        return mf_error_nomem(err, "the table of shares",
                              (size_t)g->size * 2 * (sizeof(int) + sizeof(size_t)));
    }
    int *at = count + g->size;
    size_t *byte_at = bytes + g->size;
    mf_fit_dist_deal(n, g->size, NULL, count, at);
    for (int r = 0; r < g->size; r++) {
        bytes[r] = sizeof(double) * (size_t)count[r] * (size_t)np;
        byte_at[r] = sizeof(double) * (size_t)at[r] * (size_t)np;
    }
    int mine = count[g->rank];
    double *share = malloc(sizeof(double) * ((size_t)mine * (size_t)np + 1));
    void *reply = calloc(1, reply_bytes(mine, no));
    double *timer = &g->stats.comm;
    mf_status rc = share && reply
                       ? MF_OK
                       : mf_error_nomem(err, "this process's share of a round",
                                        sizeof(double) * ((size_t)mine * (size_t)np + 1) +
                                            reply_bytes(mine, no));
    if (rc == MF_OK)
        rc = mf_group_scatter(g, NULL, bytes, byte_at, share, timer, err);
    if (rc == MF_OK) {
        bool fits = s->set_up && s->f->n_params == np && s->f->n_metrics == no;
        if (fits) {
            g->stats.batches++;
            eval_share(s->f, s->f->evaluate, mine, share, h->iteration, reply, s->message,
                       &g->stats);
            s->status = ((dist_reply *)reply)->status;
        } else
            ((dist_reply *)reply)->status = MF_ERR_INVALID;
        size_t reply_max = reply_bytes(n / g->size + 1, no);
        for (int r = 0; r < g->size; r++) {
            bytes[r] = reply_bytes(count[r], no);
            byte_at[r] = (size_t)r * reply_max;
        }
        rc = mf_group_gather(g, reply, NULL, bytes, byte_at, timer, err);
    }
    free(count);
    free(bytes);
    free(share);
    free(reply);
    return rc;
}

/* Appends the rows (grouped by round) and calls the callback once per round
 * with the values process 0's callback saw. */
static mf_status mirror_rows(serve_state *s, const dist_end *e, mf_error *err)
{
    mf_fitter *f = s->f;
    size_t n = (size_t)e->n_rows, np = (size_t)f->n_params, no = (size_t)f->n_metrics;
    if ((int)np != e->n_params || (int)no != e->n_out || f->hist.n < e->first_row)
        return mf_error_set(err, MF_ERR_INVALID,
                            "process %d's fit is out of step with process 0's (history)",
                            s->g->rank);
    const double *pts = (const double *)(e + 1);
    const double *errs = pts + n * np, *norm = errs + n, *raw = norm + n * no;
    const int32_t *round = (const int32_t *)(raw + n * no);
    long best = f->best;
    f->hist.n = e->first_row;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && round[j] == round[i])
            j++;
        if (mf_fit_history_append(&f->hist, (int)np, (int)no, (int)(j - i), pts + i * np,
                                  errs + i, norm + i * no, raw + i * no, round[i]) != MF_OK)
            return mf_error_nomem(err, "the history rows from process 0",
                                  (j - i) * (np + 1 + 2 * no) * sizeof(double));
        /* The best as the round loop keeps it. */
        best = mf_fit_history_best(&f->hist, f->hist.n - (long)(j - i), best);
        if (s->c->cb) {
            const double *bp = best >= 0 ? f->hist.points + (size_t)best * np : NULL;
            double be = best >= 0 ? f->hist.errors[best] : NAN;
            s->c->cb(s->c->user, f, round[i] - round[0], s->c->n_rounds, bp, be, (int)(j - i),
                     pts + i * np, errs + i);
        }
        i = j;
    }
    return MF_OK;
}

static mf_status serve_end(serve_state *s, const dist_header *h, mf_error *err)
{
    char *buf = malloc(h->bytes ? h->bytes : 1);
    if (!buf) {
        s->g->broken = true; /* the payload is not received: out of step */
        return mf_error_nomem(err, "the history rows from process 0", (size_t)h->bytes);
    }
    mf_status rc = mf_group_bcast(s->g, buf, h->bytes, NULL, err);
    const dist_end *e = (const dist_end *)buf;
    if (rc == MF_OK && s->f && s->set_up && e->first_row >= 0) {
        mf_fitter *f = s->f;
        rc = mirror_rows(s, e, err);
        if (rc == MF_OK) {
            f->rounds = (int)e->rounds;
            f->best = e->best;
            f->next_iteration = e->next_iteration;
            f->last_iteration = e->last_iteration;
            f->stopped = e->stopped;
            snprintf(f->stop_reason, sizeof f->stop_reason, "%s", e->stop_reason);
        }
    }
    if (rc == MF_OK && e->status != MF_OK)
        rc = copy_error(err, (mf_status)e->status, e->message);
    free(buf);
    return rc;
}

/* WHY: the last local failure; a process that has ended its program says
 * so (it cannot take part in another fit). */
static mf_status serve_why(serve_state *s, mf_error *err)
{
    char m[MF_ERROR_MESSAGE_MAX];
    if (s->f)
        snprintf(m, sizeof m, "%s", s->message);
    else if (s->status == MF_OK)
        snprintf(m, sizeof m,
                 "it has ended its program: the processes do not run the same "
                 "script (or process 0 runs a fit the others skipped)");
    else
        snprintf(m, sizeof m, "it has ended its program with an error: %.*s",
                 MF_ERROR_MESSAGE_MAX - 64, s->message);
    return mf_group_gather_fixed(s->g, m, NULL, sizeof m, err);
}

/* EXIT: this process's outcome to process 0. */
static mf_status serve_exit(serve_state *s, mf_error *err)
{
    dist_bye bye = {.status = (int32_t)s->status};
    snprintf(bye.message, sizeof bye.message, "%s", s->message);
    if (s->f) {
        bye.status = MF_ERR_INVALID;
        snprintf(bye.message, sizeof bye.message,
                 "it was in a fit when process 0 ended its program: the processes do not run "
                 "the same script");
    }
    s->g->finished = true;
    return mf_group_gather_fixed(s->g, &bye, NULL, sizeof bye, err);
}

/* Answers process 0 until END (in a fit) or EXIT. A command this process
 * cannot answer (out of memory) leaves the processes out of step: the
 * group is then broken, so that the program ends them all (MPI_Abort)
 * rather than leave process 0 waiting. */
static mf_status serve(serve_state *s, mf_error *err)
{
    for (;;) {
        dist_header h;
        mf_status rc = mf_group_bcast(s->g, &h, sizeof h, NULL, err);
        if (rc != MF_OK)
            return rc;
        switch (h.cmd) {
        case CMD_BEGIN: rc = serve_begin(s, err); break;
        case CMD_BATCH: rc = serve_batch(s, &h, err); break;
        case CMD_WHY: rc = serve_why(s, err); break;
        case CMD_END:
            /* Its status is the fit's: an error here is not the group's. */
            rc = serve_end(s, &h, err);
            if (s->f || s->g->broken)
                return rc;
            continue;
        case CMD_EXIT:
            rc = serve_exit(s, err);
            if (rc == MF_OK && s->f)
                rc = mf_error_set(err, MF_ERR_INVALID,
                                  "process 0 ended its program while process %d was in a "
                                  "fit: the processes do not run the same script",
                                  s->g->rank);
            return rc;
        default:
            rc = mf_error_set(err, MF_ERR_IO, "process %d received an unknown command %d",
                              s->g->rank, (int)h.cmd);
            break;
        }
        if (rc != MF_OK) {
            s->g->broken = true;
            return rc;
        }
    }
}

/* --- the hook and the end ---------------------------------------------------------- */

bool mf_fit_dist_wanted(const mf_fitter *f)
{
    const mf_group *g = f->ctx ? f->ctx->group : NULL;
    return g && g->size > 1 && !f->dist;
}

mf_status mf_fit_dist_fit(mf_fitter *f, mf_optimizer *opt, mf_metric *const *metrics,
                          int n_rounds, int n_bounds, const char *const *names,
                          const double *lo, const double *hi, mf_fit_callback cb, void *user,
                          bool restart, long start_iteration, mf_error *err)
{
    mf_group *g = f->ctx->group;
    fit_call c = {opt, metrics, n_rounds, n_bounds, names,          lo,
                  hi,  cb,      user,     restart,  start_iteration};
    if (g->finished)
        return mf_error_set(err, MF_ERR_INVALID,
                            "this process has already ended its part in the process group");
    if (n_rounds < 0 || n_bounds < 0)
        return mf_error_set(err, MF_ERR_INVALID, "n_rounds and n_bounds must be >= 0");
    if (g->rank == 0)
        return owner_fit(f, g, &c, err);
    serve_state s = {.g = g, .f = f, .c = &c, .status = MF_OK};
    return serve(&s, err);
}

mf_status mf_group_finish(mf_group *g, mf_status status, const char *message, mf_error *err)
{
    if (!g || g->size < 2 || g->finished)
        return MF_OK;
    if (g->rank > 0) {
        serve_state s = {.g = g, .status = status};
        snprintf(s.message, sizeof s.message, "%s",
                 status == MF_OK ? "" : (message && message[0] ? message : "failed"));
        return serve(&s, err);
    }
    g->finished = true;
    dist_bye mine = {.status = (int32_t)status}, *all = malloc(sizeof *all * (size_t)g->size);
    mf_status rc =
        all ? send_cmd(g, CMD_EXIT, err)
            : mf_error_nomem(err, "every process's outcome", (size_t)g->size * sizeof *all);
    if (rc == MF_OK)
        rc = mf_group_gather_fixed(g, &mine, all, sizeof mine, err);
    /* The first other process that failed with something this one has not
     * said already (a script error every process hits is reported once). */
    const char *own = status == MF_OK ? NULL : (message ? message : "");
    for (int r = 1; rc == MF_OK && r < g->size; r++) {
        const char *m = mf_error_body(all[r].message);
        if (all[r].status != MF_OK && (!own || !strstr(own, m))) {
            rc = mf_error_set(err, (mf_status)all[r].status, "process %d of %d: %.*s", r,
                              g->size, MF_ERROR_MESSAGE_MAX - 64, m[0] ? m : "failed");
            break;
        }
    }
    free(all);
    return rc;
}
