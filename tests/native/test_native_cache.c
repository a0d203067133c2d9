/* The kernel cache and the fallbacks of the native backend: SHA-256 against
 * FIPS 180-2's examples; a second engine of the same model compiles nothing;
 * damaged cache objects (flipped bytes, truncated, another kernel's file, an
 * object with a valid trailer that does not load) are detected and rebuilt;
 * two processes filling one empty cache at once; no compiler (CC=/nonexistent)
 * and a failing compiler give the interpreter with one log line; the backend
 * chosen by MODELFIT_BACKEND and by the context. Every cache is a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <sys/stat.h>

#include "native/native_util.h"

#include <sys/wait.h>

/* --- SHA-256 ---------------------------------------------------------------- */

static void expect_sha(const char *msg, const char *hex)
{
    uint8_t d[32];
    mf_sha256(msg, strlen(msg), d);
    char got[65];
    for (int i = 0; i < 32; i++)
        snprintf(got + 2 * i, 3, "%02x", d[i]);
    assert_string_equal(got, hex);
}

static void test_sha256(void **state)
{
    (void)state;
    expect_sha("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect_sha("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect_sha("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
               "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

/* --- a small model ---------------------------------------------------------------- */

static mf_model *lif(void)
{
    mf_model_spec spec = {.equations = "dv/dt = (I - v)/tau : 1 (unless refractory)\n"
                                       "tau : second (constant)\n",
                          .inputs = (mf_name_def[]){{"I", 0, tu_dim("1")}},
                          .n_inputs = 1,
                          .threshold = "v > 1",
                          .reset = "v = 0",
                          .refractory = "1*ms",
                          .method = "exponential_euler"};
    mf_model *m = NULL;
    mf_error err;
    if (mf_model_compile(&spec, &m, &err) != MF_OK)
        fail_msg("%s", err.message);
    return m;
}

enum { N_STEPS = 2000 };
static const double TAU[3] = {1e-3, 2e-3, 5e-3};

/* Runs the LIF model with backend be; returns the run. */
static nu_result run_lif(const mf_model *m, const mf_backend *be, nu_env *env)
{
    static double I[N_STEPS];
    for (int k = 0; k < N_STEPS; k++)
        I[k] = 1.5 + 0.5 * sin(k * 0.01);
    const double *values[8] = {0};
    values[mf_model_find_var(m, "tau")] = TAU;
    nu_result r;
    mf_error err;
    if (nu_run(m, be, env->ctx, 1e-5, I, 1, 3, N_STEPS, values, &r, &err) != MF_OK)
        fail_msg("%s", err.message);
    return r;
}

/* The run by be equals the interpreter's, spikes included. */
static void expect_like_interp(const mf_model *m, const mf_backend *be, nu_env *env)
{
    nu_result a = run_lif(m, mf_backend_interp(), env);
    nu_result b = run_lif(m, be, env);
    assert_true(nu_max_rel(&a, &b) == 0);
    long spikes = 0;
    for (int l = 0; l < 3; l++) {
        assert_int_equal(a.spikes[l].n, b.spikes[l].n);
        spikes += a.spikes[l].n;
    }
    assert_true(spikes > 10);
    nu_result_free(&a);
    nu_result_free(&b);
}

static double prepare_seconds(const mf_model *m, nu_env *env)
{
    mf_engine_options opt = {.backend = mf_backend_native(), .ctx = env->ctx};
    mf_engine *e = NULL;
    mf_error err;
    double t0 = tu_now();
    assert_int_equal(mf_engine_new(m, 1e-5, &opt, &e, &err), MF_OK);
    double t = tu_now() - t0;
    mf_engine_free(e);
    return t;
}

/* --- the cache ------------------------------------------------------------------------- */

static void test_second_run_compiles_nothing(void **state)
{
    (void)state;
    if (!nu_have_cc())
        skip();
    nu_env *env = nu_env_new();
    assert_non_null(env);
    mf_model *m = lif();
    double cold = prepare_seconds(m, env);
    assert_int_equal(nu_log_count(env, "compiled in"), 1);
    assert_int_equal(nu_kernel_files(env, ".so", NULL, 0), 1);
    assert_int_equal(nu_kernel_files(env, ".c", NULL, 0), 1); /* the source, kept */
    nu_log_clear(env);
    double warm = prepare_seconds(m, env);
    expect_like_interp(m, mf_backend_native(), env);
    assert_int_equal(nu_log_count(env, "compiled in"), 0);
    assert_int_equal(env->n_lines, 0);
    assert_int_equal(nu_kernel_files(env, ".so", NULL, 0), 1);
    assert_int_equal(nu_kernel_files(env, "XXXXXX", NULL, 0), 0);
    printf("prepare with an empty cache %.1f ms, from the cache %.1f ms\n", cold * 1e3,
           warm * 1e3);

    /* The cache layer itself says whether it compiled. */
    mf_cc cc;
    mf_error err;
    assert_int_equal(mf_cc_find(&cc, &err), MF_OK);
    mf_kernel_lib k;
    const char *src = "__attribute__((visibility(\"default\"))) int f(void) { return 42; }\n";
    assert_int_equal(mf_kernel_lib_open(env->ctx, &cc, src, &k, &err), MF_OK);
    assert_true(k.compiled);
    int (*f)(void) = (int (*)(void))mf_kernel_lib_sym(&k, "f");
    assert_non_null(f);
    assert_int_equal(f(), 42);
    mf_kernel_lib_close(&k);
    assert_int_equal(mf_kernel_lib_open(env->ctx, &cc, src, &k, &err), MF_OK);
    assert_false(k.compiled);
    assert_false(k.rebuilt);
    mf_kernel_lib_close(&k);
    mf_cc_clear(&cc);
    mf_model_free(m);
    nu_env_free(env);
}

typedef enum damage { FLIP, TRUNCATE, OTHER_KEY, BAD_ELF_GOOD_TRAILER } damage;

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

static void do_damage(const char *path, damage how)
{
    size_t n = 0;
    char *buf = tu_slurp(path);
    assert_non_null(buf);
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    n = (size_t)ftell(f);
    fclose(f);
    switch (how) {
    case FLIP:
        for (size_t i = n / 3; i < n / 3 + 64; i++)
            buf[i] ^= 0x5a;
        write_bytes(path, buf, n);
        break;
    case TRUNCATE: write_bytes(path, buf, n / 2); break;
    case OTHER_KEY:
        /* A whole kernel, but another key's (as if renamed). */
        buf[n - 112 + 16] = buf[n - 112 + 16] == 'a' ? 'b' : 'a';
        write_bytes(path, buf, n);
        break;
    case BAD_ELF_GOOD_TRAILER: {
        /* Not an object at all, yet with a trailer that checks out: the
         * loader refuses it. */
        memset(buf, 'x', n - 112);
        mf_sha256(buf, n - 112, (uint8_t *)buf + n - 32);
        write_bytes(path, buf, n);
        break;
    }
    }
    free(buf);
}

static void damaged(damage how, const char *expect)
{
    if (!nu_have_cc())
        skip();
    nu_env *env = nu_env_new();
    assert_non_null(env);
    mf_model *m = lif();
    prepare_seconds(m, env);
    char path[1024];
    assert_int_equal(nu_kernel_files(env, ".so", path, sizeof path), 1);
    do_damage(path, how);
    nu_log_clear(env);
    expect_like_interp(m, mf_backend_native(), env);
    assert_int_equal(nu_log_count(env, "rebuilding"), 1);
    assert_int_equal(nu_log_count(env, expect), 1);
    assert_int_equal(nu_log_count(env, "compiled in"), 1);
    assert_int_equal(nu_log_count(env, "native kernels off"), 0);
    /* Rebuilt once: the next engine finds a good object. */
    nu_log_clear(env);
    prepare_seconds(m, env);
    assert_int_equal(env->n_lines, 0);
    mf_model_free(m);
    nu_env_free(env);
}

static void test_flipped_bytes(void **state)
{
    (void)state;
    damaged(FLIP, "fails its checksum");
}

static void test_truncated(void **state)
{
    (void)state;
    damaged(TRUNCATE, "has no kernel trailer");
}

static void test_other_key(void **state)
{
    (void)state;
    damaged(OTHER_KEY, "belongs to another key");
}

static void test_unloadable(void **state)
{
    (void)state;
    damaged(BAD_ELF_GOOD_TRAILER, "cannot be loaded");
}

/* Two processes build the same kernel into one empty cache at once: both get
 * a working kernel, one object remains, no temporary file is left. */
static void test_two_processes(void **state)
{
    (void)state;
    if (!nu_have_cc())
        skip();
    nu_env *env = nu_env_new();
    assert_non_null(env);
    mf_model *m = lif();
    pid_t pid[2];
    for (int c = 0; c < 2; c++) {
        pid[c] = fork();
        assert_true(pid[c] >= 0);
        if (pid[c] == 0) {
            mf_cc cc;
            mf_error err;
            mf_kernel_lib k;
            const char *src = "__attribute__((visibility(\"default\"))) int g(void) "
                              "{ return 7; }\n";
            int ok = mf_cc_find(&cc, &err) == MF_OK &&
                     mf_kernel_lib_open(env->ctx, &cc, src, &k, &err) == MF_OK;
            int (*g)(void) = ok ? (int (*)(void))mf_kernel_lib_sym(&k, "g") : NULL;
            _exit(g && g() == 7 ? 0 : 1);
        }
    }
    for (int c = 0; c < 2; c++) {
        int st = 0;
        assert_int_equal(waitpid(pid[c], &st, 0), pid[c]);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    assert_int_equal(nu_kernel_files(env, ".so", NULL, 0), 1);
    assert_int_equal(nu_kernel_files(env, "XXXXXX", NULL, 0), 0);
    mf_model_free(m);
    nu_env_free(env);
}

/* --- fallbacks ---------------------------------------------------------------------------- */

static void expect_fallback(const char *cc, const char *why)
{
    nu_env *env = nu_env_new();
    assert_non_null(env);
    mf_model *m = lif();
    const char *old = getenv("CC");
    char *saved = old ? strdup(old) : NULL;
    setenv("CC", cc, 1);
    nu_result a = run_lif(m, mf_backend_interp(), env);
    nu_result b = run_lif(m, mf_backend_native(), env);
    if (saved)
        setenv("CC", saved, 1);
    else
        unsetenv("CC");
    free(saved);
    assert_true(nu_max_rel(&a, &b) == 0);
    assert_int_equal(env->n_lines, 1);
    assert_int_equal(nu_log_count(env, "native kernels off"), 1);
    assert_int_equal(nu_log_count(env, "the model runs in the interpreter"), 1);
    assert_int_equal(nu_log_count(env, why), 1);
    assert_int_equal(nu_kernel_files(env, ".so", NULL, 0), 0);
    nu_result_free(&a);
    nu_result_free(&b);
    mf_model_free(m);
    nu_env_free(env);
}

static void test_no_compiler(void **state)
{
    (void)state;
    expect_fallback("/nonexistent", "no C compiler: CC=/nonexistent");
}

static void test_compiler_fails(void **state)
{
    (void)state;
    if (!nu_have_cc())
        skip();
    /* Runs (--version works) but cannot compile anything. */
    expect_fallback("cc -include /nonexistent/missing.h", "failed (exit 1)");
}

/* A cache every user may write to (as one under /tmp) could hand this
 * process another user's code: nothing is loaded or built there, the
 * interpreter runs and the log says why and what to do. */
static void test_unsafe_cache(void **state)
{
    (void)state;
    if (!nu_have_cc())
        skip();
    nu_env *env = nu_env_new();
    assert_non_null(env);
    assert_int_equal(chmod(env->dir, 0777), 0);
    mf_model *m = lif();
    nu_result a = run_lif(m, mf_backend_interp(), env);
    nu_result b = run_lif(m, mf_backend_native(), env);
    assert_true(nu_max_rel(&a, &b) == 0);
    assert_int_equal(nu_log_count(env, "native kernels off"), 1);
    assert_int_equal(nu_log_count(env, "is writable by every user"), 1);
    assert_int_equal(nu_log_count(env, "XDG_CACHE_HOME"), 1);
    assert_int_equal(nu_kernel_files(env, ".so", NULL, 0), 0);
    /* Made private again, the cache is used. */
    assert_int_equal(chmod(env->dir, 0700), 0);
    nu_log_clear(env);
    nu_result c = run_lif(m, mf_backend_native(), env);
    assert_true(nu_max_rel(&a, &c) == 0);
    assert_int_equal(nu_log_count(env, "native kernels off"), 0);
    assert_int_equal(nu_kernel_files(env, ".so", NULL, 0), 1);
    nu_result_free(&a);
    nu_result_free(&b);
    nu_result_free(&c);
    mf_model_free(m);
    nu_env_free(env);
}

static void test_backend_choice(void **state)
{
    (void)state;
    nu_env *env = nu_env_new();
    assert_non_null(env);
    unsetenv("MODELFIT_BACKEND");
    assert_ptr_equal(mf_backend_default(env->ctx), mf_backend_native());
    setenv("MODELFIT_BACKEND", "interp", 1);
    assert_ptr_equal(mf_backend_default(env->ctx), mf_backend_interp());
    setenv("MODELFIT_BACKEND", "native", 1);
    assert_ptr_equal(mf_backend_default(env->ctx), mf_backend_native());
    assert_int_equal(env->n_lines, 0);
    setenv("MODELFIT_BACKEND", "gpu", 1);
    assert_ptr_equal(mf_backend_default(env->ctx), mf_backend_native());
    assert_int_equal(nu_log_count(env, "MODELFIT_BACKEND=gpu"), 1);
    unsetenv("MODELFIT_BACKEND");
    nu_env_free(env);
}

/* mf_context_set_backend wins over MODELFIT_BACKEND; "auto" defers to it. */
static void test_context_backend(void **state)
{
    (void)state;
    nu_env *env = nu_env_new();
    assert_non_null(env);
    mf_error err;
    assert_string_equal(mf_context_backend(env->ctx), "auto");
    assert_string_equal(mf_context_backend(NULL), "auto");
    setenv("MODELFIT_BACKEND", "native", 1);
    assert_int_equal(mf_context_set_backend(env->ctx, "interp", &err), MF_OK);
    assert_string_equal(mf_context_backend(env->ctx), "interp");
    assert_ptr_equal(mf_backend_default(env->ctx), mf_backend_interp());
    assert_ptr_equal(mf_engine_options_for(env->ctx).backend, mf_backend_interp());
    setenv("MODELFIT_BACKEND", "interp", 1);
    assert_int_equal(mf_context_set_backend(env->ctx, "native", &err), MF_OK);
    assert_ptr_equal(mf_backend_default(env->ctx), mf_backend_native());
    assert_int_equal(mf_context_set_backend(env->ctx, "auto", &err), MF_OK);
    assert_ptr_equal(mf_backend_default(env->ctx), mf_backend_interp());
    assert_int_equal(mf_context_set_backend(env->ctx, "interpreter", &err), MF_OK);
    assert_string_equal(mf_context_backend(env->ctx), "interp");
    unsetenv("MODELFIT_BACKEND");
    /* A wrong name is refused, naming the valid ones; the choice stays. */
    assert_int_equal(mf_context_set_backend(env->ctx, "gpu", &err), MF_ERR_INVALID);
    assert_non_null(strstr(err.message, "'gpu'"));
    assert_non_null(strstr(err.message, "'native', 'interp' or 'auto'"));
    assert_int_equal(mf_context_set_backend(env->ctx, NULL, &err), MF_ERR_INVALID);
    assert_int_equal(mf_context_set_backend(NULL, "native", &err), MF_ERR_INVALID);
    assert_string_equal(mf_context_backend(env->ctx), "interp");
    /* The options of every user engine: the context's threads and itself. */
    mf_context_set_threads(env->ctx, 3);
    mf_engine_options o = mf_engine_options_for(env->ctx);
    assert_int_equal(o.n_threads, 3);
    assert_ptr_equal(o.ctx, env->ctx);
    assert_int_equal(o.block_size, 0);
    nu_env_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_two_processes),
        cmocka_unit_test(test_second_run_compiles_nothing),
        cmocka_unit_test(test_flipped_bytes),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_other_key),
        cmocka_unit_test(test_unloadable),
        cmocka_unit_test(test_no_compiler),
        cmocka_unit_test(test_compiler_fails),
        cmocka_unit_test(test_unsafe_cache),
        cmocka_unit_test(test_backend_choice),
        cmocka_unit_test(test_context_backend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
