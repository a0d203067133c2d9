/* core/distribute.c: fits spread over a process group. Two threads of
 * this program play the group's two processes, joined by a shared-memory
 * stand-in for MPI's three collectives (tests/mpi runs the real thing
 * under mpirun). The truths: the history of a fit over the group is the
 * single-process history bit for bit, on both processes; a process that
 * fits other data, cannot set its fit up or has ended its program ends
 * the fit on both with a message naming it; the deal is a permutation. */
#include "fitter.h"
#include "fitter_dist.h"
#include "modelfit/modelfit.h"

#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* --- the stand-in transport ------------------------------------------------------- */

typedef struct hub {
    pthread_barrier_t bar;
    void *root_buf; /* rank 0's buffer of the operation under way */
} hub;

typedef struct member {
    hub *h;
    int rank;
} member;

static mf_status t_bcast(void *user, void *buf, size_t bytes, mf_error *err)
{
    (void)err;
    member *m = user;
    if (m->rank == 0)
        m->h->root_buf = buf;
    pthread_barrier_wait(&m->h->bar);
    if (m->rank != 0)
        memcpy(buf, m->h->root_buf, bytes);
    pthread_barrier_wait(&m->h->bar);
    return MF_OK;
}

static mf_status t_scatter(void *user, const void *send, const size_t *bytes, const size_t *at,
                           void *recv, mf_error *err)
{
    (void)err;
    member *m = user;
    if (m->rank == 0)
        m->h->root_buf = (void *)send;
    pthread_barrier_wait(&m->h->bar);
    memcpy(recv, (const char *)m->h->root_buf + at[m->rank], bytes[m->rank]);
    pthread_barrier_wait(&m->h->bar);
    return MF_OK;
}

static mf_status t_gather(void *user, const void *send, void *recv, const size_t *bytes,
                          const size_t *at, mf_error *err)
{
    (void)err;
    member *m = user;
    if (m->rank == 0)
        m->h->root_buf = recv;
    pthread_barrier_wait(&m->h->bar);
    memcpy((char *)m->h->root_buf + at[m->rank], send, bytes[m->rank]);
    pthread_barrier_wait(&m->h->bar);
    return MF_OK;
}

static const mf_group_ops ops = {t_bcast, t_scatter, t_gather};

/* --- one process: its context, fitter and script ----------------------------------- */

#define N_TRACES  2
#define N_STEPS   200
#define N_SAMPLES 7

static const char *const model = "I = g*(v - E) : amp\n"
                                 "g : siemens (constant)\n"
                                 "E : volt (constant)\n";
static const char *const names[] = {"g", "E"};
static const double lo[] = {1e-9, -20e-3}, hi[] = {30e-9, 100e-3};

typedef struct side {
    member m;
    mf_context *ctx;
    mf_group *g;
    mf_fitter *f;
    mf_optimizer *opt;
    mf_metric *metric;
    int n_bounds;
    const double *hi;       /* the bounds' highs */
    const char *fail_first; /* ends its program with this error before fitting */
    int calls;              /* callback calls */
    double seen[64];        /* errors the callback saw */
    int n_seen;
    mf_status rc[3];
    mf_error err[3];
} side;

static int count_cb(void *user, const mf_fitter *f, int round, int n_rounds,
                    const double *best_params, double best_error, int n_points,
                    const double *points, const double *errors)
{
    (void)f, (void)round, (void)n_rounds, (void)best_params, (void)best_error, (void)points;
    side *s = user;
    s->calls++;
    for (int i = 0; i < n_points && s->n_seen < 64; i++)
        s->seen[s->n_seen++] = errors[i];
    return 0;
}

static void make_data(double *v, double *current, double shift)
{
    for (int k = 0; k < N_TRACES; k++)
        for (int i = 0; i < N_STEPS; i++) {
            double vi = -80e-3 + 60e-3 * k + 0.1e-3 * (i % 50);
            v[k * N_STEPS + i] = vi;
            current[k * N_STEPS + i] = 10e-9 * vi + 5e-12 * sin(0.7 * i + k) + shift;
        }
}

/* The side's optimizer becomes a DE with this seed. */
static void side_seed(side *s, long seed)
{
    mf_options *o;
    mf_error err;
    mf_optimizer_free(s->opt);
    assert_int_equal(mf_options_new(&o, &err), MF_OK);
    assert_int_equal(mf_options_set_int(o, "seed", seed, &err), MF_OK);
    assert_int_equal(mf_optimizer_new(s->ctx, "de", o, &s->opt, &err), MF_OK);
    mf_options_free(o);
}

/* Everything that loads plugins or kernels (not thread-safe) happens here,
 * on the main thread. */
static void side_new(side *s, hub *h, int rank, int size, double shift)
{
    memset(s, 0, sizeof *s);
    s->m.h = h;
    s->m.rank = rank;
    s->n_bounds = 2;
    s->hi = hi;
    mf_error err;
    static double v[N_TRACES * N_STEPS], cur[N_TRACES * N_STEPS];
    make_data(v, cur, shift);
    mf_quantity volt, amp;
    mf_fitter_spec *spec;
    assert_int_equal(mf_context_new(&s->ctx, &err), MF_OK);
    mf_context_set_threads(s->ctx, 1);
    assert_int_equal(mf_quantity_from_string("volt", &volt, &err), MF_OK);
    assert_int_equal(mf_quantity_from_string("amp", &amp, &err), MF_OK);
    assert_int_equal(mf_fitter_spec_new(MF_FITTER_TRACES, &spec, &err), MF_OK);
    assert_int_equal(mf_fitter_spec_set_model(spec, model, "passive", &err), MF_OK);
    assert_int_equal(mf_fitter_spec_set_input(spec, "v", volt, N_TRACES, N_STEPS, v, &err),
                     MF_OK);
    assert_int_equal(mf_fitter_spec_set_output(spec, "I", amp, N_TRACES, N_STEPS, cur, &err),
                     MF_OK);
    assert_int_equal(mf_fitter_spec_set_dt(spec, 1e-4, &err), MF_OK);
    assert_int_equal(mf_fitter_spec_set_n_samples(spec, N_SAMPLES, &err), MF_OK);
    assert_int_equal(mf_fitter_new(s->ctx, spec, &s->f, &err), MF_OK);
    mf_fitter_spec_free(spec);
    side_seed(s, 3);
    assert_int_equal(mf_metric_new(s->ctx, "mse", NULL, &s->metric, &err), MF_OK);
    if (size > 1) {
        assert_int_equal(mf_group_new(&ops, &s->m, rank, size, &s->g, &err), MF_OK);
        mf_context_set_group(s->ctx, s->g);
    }
}

static void side_free(side *s)
{
    mf_context_set_group(s->ctx, NULL);
    mf_group_free(s->g);
    mf_fitter_free(s->f);
    mf_optimizer_free(s->opt);
    mf_metric_free(s->metric);
    mf_context_free(s->ctx);
}

/* The script every process runs: 3 rounds, 2 more, then the end. */
static void *script(void *arg)
{
    side *s = arg;
    if (s->fail_first) {
        s->rc[0] = mf_group_finish(s->g, MF_ERR_INVALID, s->fail_first, &s->err[0]);
        return NULL;
    }
    s->rc[0] = mf_fitter_fit(s->f, s->opt, &s->metric, 3, s->n_bounds, names, lo, s->hi,
                             count_cb, s, false, -1, &s->err[0]);
    if (s->rc[0] == MF_OK)
        s->rc[1] = mf_fitter_fit(s->f, NULL, NULL, 2, 0, NULL, NULL, NULL, count_cb, s, false,
                                 -1, &s->err[1]);
    const char *msg = s->rc[0] != MF_OK ? s->err[0].message : NULL;
    s->rc[2] = mf_group_finish(s->g, msg ? MF_ERR_INVALID : MF_OK, msg, &s->err[2]);
    return NULL;
}

/* Runs the script on two threads (sides a, b). */
static void run_pair(side *a, side *b)
{
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, script, b), 0);
    script(a);
    assert_int_equal(pthread_join(t, NULL), 0);
}

/* Process 0 (a) and process 1 (b) of a group of two; b's targets shifted. */
static void pair_new(side *a, side *b, hub *h, double b_shift)
{
    side_new(a, h, 0, 2, 0);
    side_new(b, h, 1, 2, b_shift);
}

/* The pair's first fit fails on rank 0 with a message holding part, and the
 * worker fails with rank 0's message, word for word. */
static void assert_pair_refused(side *a, side *b, const char *part)
{
    run_pair(a, b);
    assert_int_not_equal(a->rc[0], MF_OK);
    assert_non_null(strstr(a->err[0].message, part));
    assert_string_equal(b->err[0].message, a->err[0].message);
}

static int setup_env(void **state)
{
    (void)state;
    /* The interpreter: nothing is compiled or loaded on the threads. */
    setenv("MODELFIT_BACKEND", "interp", 1);
    return 0;
}

static void assert_same_history(const mf_fitter *x, const mf_fitter *y)
{
    long n = mf_fitter_history_size(x);
    assert_int_equal(mf_fitter_history_size(y), n);
    int np = mf_fitter_n_params(x);
    for (long i = 0; i < n; i++) {
        assert_memory_equal(mf_fitter_history_point(x, i), mf_fitter_history_point(y, i),
                            sizeof(double) * (size_t)np);
        double ex = mf_fitter_history_error(x, i), ey = mf_fitter_history_error(y, i);
        assert_memory_equal(&ex, &ey, sizeof ex);
        assert_int_equal(mf_fitter_history_round(x, i), mf_fitter_history_round(y, i));
    }
    double bx[2], by[2], ex, ey;
    mf_error err;
    assert_int_equal(mf_fitter_best(x, bx, &ex, &err), MF_OK);
    assert_int_equal(mf_fitter_best(y, by, &ey, &err), MF_OK);
    assert_memory_equal(bx, by, sizeof bx);
    assert_memory_equal(&ex, &ey, sizeof ex);
    assert_int_equal(mf_fitter_iteration(x), mf_fitter_iteration(y));
}

/* --- the tests ---------------------------------------------------------------------- */

static void test_same_history_as_one_process(void **state)
{
    (void)state;
    hub h;
    pthread_barrier_init(&h.bar, NULL, 2);
    side one, a, b;
    side_new(&one, &h, 0, 1, 0);
    pair_new(&a, &b, &h, 0);
    script(&one);
    assert_int_equal(one.rc[0], MF_OK);
    assert_int_equal(mf_fitter_history_size(one.f), 5 * N_SAMPLES);
    run_pair(&a, &b);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(a.rc[k], MF_OK);
        assert_int_equal(b.rc[k], MF_OK);
    }
    assert_same_history(one.f, a.f);
    assert_same_history(one.f, b.f);
    /* The worker's callback saw each round once, with rank 0's errors. */
    assert_int_equal(b.calls, 5);
    assert_int_equal(a.calls, 5);
    assert_int_equal(b.n_seen, 5 * N_SAMPLES);
    assert_memory_equal(a.seen, b.seen, sizeof(double) * 5 * N_SAMPLES);
    /* Both processes simulated a share; rank 0 counted the bytes. */
    mf_group_stats sa, sb;
    mf_group_get_stats(a.g, &sa);
    mf_group_get_stats(b.g, &sb);
    assert_int_equal(sa.batches, 5);
    assert_int_equal(sb.batches, 5);
    assert_int_equal(sa.points + sb.points, 5 * N_SAMPLES);
    assert_true(sa.bytes_out > 0 && sa.bytes_back > 0);
    side_free(&one);
    side_free(&a);
    side_free(&b);
    pthread_barrier_destroy(&h.bar);
}

static void test_other_data_is_refused(void **state)
{
    (void)state;
    hub h;
    pthread_barrier_init(&h.bar, NULL, 2);
    side a, b;
    pair_new(&a, &b, &h, 1e-15);
    assert_pair_refused(&a, &b,
                        "process 1 of 2 fits with other settings than process 0: the data "
                        "(input or target traces) differs; every process");
    assert_int_not_equal(b.rc[0], MF_OK);
    /* Rank 0 does not repeat at the end what it has already said. */
    assert_int_equal(a.rc[2], MF_OK);
    assert_int_equal(mf_fitter_history_size(a.f), 0);
    side_free(&a);
    side_free(&b);
    pthread_barrier_destroy(&h.bar);
}

/* Other bounds are named as the part that differs; another optimizer
 * seed is not a mismatch (only process 0's optimizer is used). */
static void test_other_bounds_are_named(void **state)
{
    (void)state;
    hub h;
    pthread_barrier_init(&h.bar, NULL, 2);
    side a, b;
    pair_new(&a, &b, &h, 0);
    const double other_hi[] = {30e-9, 90e-3};
    b.hi = other_hi;
    side_seed(&b, 9);
    assert_pair_refused(&a, &b,
                        "process 1 of 2 fits with other settings than process 0: the "
                        "parameter bounds differs; every");
    side_free(&a);
    side_free(&b);

    /* The seed alone: the same history as one process. */
    side one, c, d;
    side_new(&one, &h, 0, 1, 0);
    pair_new(&c, &d, &h, 0);
    side_seed(&d, 9);
    script(&one);
    run_pair(&c, &d);
    assert_int_equal(c.rc[0], MF_OK);
    assert_int_equal(d.rc[0], MF_OK);
    assert_same_history(one.f, c.f);
    assert_same_history(one.f, d.f);
    side_free(&one);
    side_free(&c);
    side_free(&d);
    pthread_barrier_destroy(&h.bar);
}

static void test_worker_setup_failure_is_named(void **state)
{
    (void)state;
    hub h;
    pthread_barrier_init(&h.bar, NULL, 2);
    side a, b;
    pair_new(&a, &b, &h, 0);
    b.n_bounds = 1; /* E has no bounds on process 1 */
    assert_pair_refused(&a, &b, "process 1 of 2: the parameter 'E' has no bounds");
    side_free(&a);
    side_free(&b);
    pthread_barrier_destroy(&h.bar);
}

static void test_ended_worker_is_reported(void **state)
{
    (void)state;
    hub h;
    pthread_barrier_init(&h.bar, NULL, 2);
    side a, b;
    pair_new(&a, &b, &h, 0);
    b.fail_first = "boom.lua:3: no such file";
    run_pair(&a, &b);
    assert_int_not_equal(a.rc[0], MF_OK);
    assert_non_null(strstr(a.err[0].message, "process 1 of 2: it has ended its program with "
                                             "an error: boom.lua:3: no such file"));
    assert_int_equal(a.rc[2], MF_OK); /* already said by the fit's error */
    assert_int_equal(b.rc[0], MF_OK);
    /* A worker's failure after rank 0 succeeded comes back from finish. */
    mf_error err;
    side c, d;
    pair_new(&c, &d, &h, 0);
    pthread_t t;
    d.fail_first = "late.lua:9: out of disk";
    assert_int_equal(pthread_create(&t, NULL, script, &d), 0);
    assert_int_equal(mf_group_finish(c.g, MF_OK, NULL, &err), MF_ERR_INVALID);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_non_null(strstr(err.message, "process 1 of 2: late.lua:9: out of disk"));
    side_free(&a);
    side_free(&b);
    side_free(&c);
    side_free(&d);
    pthread_barrier_destroy(&h.bar);
}

static void test_deal_is_a_balanced_permutation(void **state)
{
    (void)state;
    enum { N = 103, P = 8 };
    int order[N], count[P], at[P], hits[N] = {0}, again[N];
    mf_fit_dist_deal(N, P, order, count, at);
    for (int i = 0; i < N; i++)
        hits[order[i]]++;
    for (int i = 0; i < N; i++)
        assert_int_equal(hits[i], 1);
    int total = 0;
    for (int r = 0; r < P; r++) {
        assert_true(count[r] == N / P || count[r] == N / P + 1);
        assert_int_equal(at[r], total);
        total += count[r];
    }
    assert_int_equal(total, N);
    /* Fixed: the same on every process and call; not the identity. */
    mf_fit_dist_deal(N, P, again, count, at);
    assert_memory_equal(order, again, sizeof order);
    int fixed_points = 0;
    for (int i = 0; i < N; i++)
        fixed_points += order[i] == i;
    assert_true(fixed_points < N / 4);
}

static void test_group_arguments(void **state)
{
    (void)state;
    mf_group *g;
    mf_error err;
    member m = {NULL, 0};
    assert_int_equal(mf_group_new(&ops, &m, 2, 2, &g, &err), MF_ERR_INVALID);
    assert_null(g);
    mf_group_ops none = {NULL, NULL, NULL};
    assert_int_equal(mf_group_new(&none, &m, 0, 2, &g, &err), MF_ERR_INVALID);
    assert_int_equal(mf_group_new(&ops, &m, 0, 1, &g, &err), MF_OK);
    /* A group of one: finishing is a no-op, nothing is broken. */
    assert_int_equal(mf_group_finish(g, MF_OK, NULL, &err), MF_OK);
    assert_false(mf_group_broken(g));
    assert_int_equal(mf_group_size(g), 1);
    mf_group_free(g);
    mf_group_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_history_as_one_process),
        cmocka_unit_test(test_other_data_is_refused),
        cmocka_unit_test(test_other_bounds_are_named),
        cmocka_unit_test(test_worker_setup_failure_is_named),
        cmocka_unit_test(test_ended_worker_is_reported),
        cmocka_unit_test(test_deal_is_a_balanced_permutation),
        cmocka_unit_test(test_group_arguments),
    };
    return cmocka_run_group_tests(tests, setup_env, NULL);
}
