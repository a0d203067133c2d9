/* core/context.c: the log callback is called one line at a time, from
 * whatever thread logs (plugins log from the engine's block threads), so a
 * user's callback need not be thread-safe; and a callback that logs again
 * from inside does not deadlock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <omp.h>
#include <string.h>

#include "context.h"

typedef struct log_probe {
    mf_context *ctx;
    int inside;  /* callbacks running now: a plain int, raced on purpose */
    int overlap; /* times a callback found another one running */
    int lines;
    int nested;
} log_probe;

static void count_line(void *user, mf_log_level level, const char *message)
{
    (void)level;
    log_probe *p = user;
    /* Without serialisation two threads meet here: the window is widened
     * by a little work between the check and the exit. */
    if (p->inside++ != 0)
        p->overlap++;
    volatile double x = 0;
    for (int i = 0; i < 2000; i++)
        x += i;
    p->lines++;
    if (strcmp(message, "outer") == 0) {
        p->nested++;
        mf_log(p->ctx, MF_LOG_INFO, "inner");
    }
    p->inside--;
}

/* A context whose log goes to count_line with p. */
static mf_context *probed_context(log_probe *p)
{
    mf_error err;
    assert_int_equal(mf_context_new(&p->ctx, &err), MF_OK);
    mf_context_set_log(p->ctx, count_line, p, MF_LOG_DEBUG);
    return p->ctx;
}

static void test_log_is_serialised(void **state)
{
    (void)state;
    log_probe p = {0};
    mf_context *ctx = probed_context(&p);
    enum { LINES = 4000 };
#pragma omp parallel for num_threads(4)
    for (int i = 0; i < LINES; i++)
        mf_log(ctx, MF_LOG_INFO, "line %d", i);
    assert_int_equal(p.lines, LINES);
    assert_int_equal(p.overlap, 0);
    mf_context_free(ctx);
}

static void test_log_from_the_callback(void **state)
{
    (void)state;
    log_probe p = {0};
    mf_context *ctx = probed_context(&p);
    mf_log(ctx, MF_LOG_INFO, "outer");
    assert_int_equal(p.nested, 1);
    assert_int_equal(p.lines, 2);
    mf_context_free(ctx);
    mf_context_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_is_serialised),
        cmocka_unit_test(test_log_from_the_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
