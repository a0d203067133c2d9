/* The setup the built-in plugin tests share (static, header only): one
 * context per test program that finds the plugins of the build tree, and a
 * check that a message says what it should. */
#ifndef MF_TEST_PLUGIN_TEST_H
#define MF_TEST_PLUGIN_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "modelfit/modelfit.h"

/* The program's context, made by plugin_setup before the first test. */
static mf_context *ctx;

/* cmocka group setup and teardown: cmocka_run_group_tests(tests,
 * plugin_setup, plugin_teardown). */
static inline int plugin_setup(void **state)
{
    (void)state;
    setenv("MODELFIT_PLUGIN_PATH", MF_PLUGIN_BUILD_DIR, 1);
    return mf_context_new(&ctx, NULL) == MF_OK ? 0 : -1;
}

static inline int plugin_teardown(void **state)
{
    (void)state;
    mf_context_free(ctx);
    return 0;
}

static inline void expect_text(const char *message, const char *needle)
{
    if (!strstr(message, needle))
        fail_msg("message \"%s\" lacks \"%s\"", message, needle);
}

#endif
