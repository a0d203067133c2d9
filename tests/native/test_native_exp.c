/* The native kernels' exp: the text of core/mf_exp.h that codegen_c.c
 * prints into every kernel (MF_EXP_TEXT), compiled here with the kernels'
 * compiler and flags (-O3 -march=native ..., kernel_cache.c) inside an
 * `omp simd` loop, against the library's copy (this program's, built for
 * the baseline CPU): the same bits on every test point, including the
 * special values, and the loop really vectorised by the compiler. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "native/native_util.h"

#include "mf_exp.h"
#include "mf_exp_text.h"

#include <float.h>
#include <stdint.h>

static const char LOOP_SOURCE[] =
    "__attribute__((visibility(\"default\")))\n"
    "void mf_test_exp(double *restrict d, const double *restrict a, int n)\n"
    "{\n"
    "#pragma omp simd\n"
    "    for (int i = 0; i < n; i++)\n"
    "        d[i] = mf_exp(a[i]);\n"
    "}\n";

static uint64_t next_u64(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

/* Spread over [-800, 800] and, one point in four, any double's bits
 * (NaNs, infinities, subnormals, huge values included). */
static double point(uint64_t *s, long i)
{
    uint64_t u = next_u64(s);
    if (i % 4 == 3) {
        double x;
        memcpy(&x, &u, sizeof x);
        return x;
    }
    return -800.0 + 1600.0 * ((double)(u >> 11) * 0x1p-53);
}

/* Whether the compiler, with the kernels' flags, turns src's loop into
 * packed double arithmetic (x86-64 assembly: `...pd` multiplies or fused
 * multiply-adds; a scalar loop has only `...sd` ones). */
static bool vectorised(const mf_cc *cc, const char *dir, const char *src)
{
    char path[600], cmd[4096];
    snprintf(path, sizeof path, "%s/exp_loop.c", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(src, f);
    fclose(f);
    size_t k = 0;
    for (int i = 0; i < cc->argc; i++)
        k += (size_t)snprintf(cmd + k, sizeof cmd - k, "%s ", cc->argv[i]);
    for (const char *const *fl = mf_kernel_cflags(); *fl; fl++)
        k += (size_t)snprintf(cmd + k, sizeof cmd - k, "%s ", *fl);
    snprintf(cmd + k, sizeof cmd - k, "-S -o - '%s' 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[512];
    int packed = 0, scalar = 0;
    while (fgets(line, sizeof line, p)) {
        if (strstr(line, "mulpd") || (strstr(line, "fmadd") && strstr(line, "pd\t")))
            packed++;
        if (strstr(line, "mulsd") || (strstr(line, "fmadd") && strstr(line, "sd\t")))
            scalar++;
    }
    assert_int_equal(pclose(p), 0);
    unlink(path);
    printf("kernel flags: %d packed and %d scalar multiplies/FMAs in the exp loop\n", packed,
           scalar);
    return packed > 0;
}

static void test_kernel_exp_bits(void **state)
{
    (void)state;
    if (!nu_have_cc())
        skip();
    nu_env *env = nu_env_new();
    assert_non_null(env);
    size_t len = strlen(MF_EXP_TEXT) + sizeof LOOP_SOURCE + 64;
    char *src = malloc(len);
    assert_non_null(src);
    snprintf(src, len, "#include <math.h>\n%s\n%s", MF_EXP_TEXT, LOOP_SOURCE);
    mf_cc cc;
    mf_error err;
    assert_int_equal(mf_cc_find(&cc, &err), MF_OK);
    mf_kernel_lib lib;
    if (mf_kernel_lib_open(env->ctx, &cc, src, &lib, &err) != MF_OK)
        fail_msg("%s", err.message);
#if defined(__x86_64__)
    assert_true(vectorised(&cc, env->dir, src));
#endif
    void (*fn)(double *, const double *, int) =
        (void (*)(double *, const double *, int))mf_kernel_lib_sym(&lib, "mf_test_exp");
    assert_non_null(fn);

    enum { N = 4096, ROUNDS = 250 };
    double *in = malloc(N * sizeof *in), *out = malloc(N * sizeof *out);
    assert_non_null(in);
    assert_non_null(out);
    uint64_t s = 2024;
    long same = 0, nan = 0;
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < N; i++)
            in[i] = point(&s, (long)r * N + i);
        if (r == 0) {
            const double special[] = {NAN,    -NAN,      INFINITY, -INFINITY, 0.0,
                                      -0.0,   709.78,    709.79,   -745.13,   -745.14,
                                      -720.0, 0x1p-1074, DBL_MAX,  -DBL_MAX};
            memcpy(in, special, sizeof special);
        }
        fn(out, in, N);
        for (int i = 0; i < N; i++) {
            double want = mf_exp(in[i]);
            if (isnan(want)) {
                assert_true(isnan(out[i]));
                nan++;
            } else if (memcmp(&out[i], &want, sizeof want) != 0) {
                fail_msg("kernel exp(%a) = %a, library %a", in[i], out[i], want);
            }
            same++;
        }
    }
    printf("%ld points (%ld NaN): the kernels' exp gives the library's bits\n", same, nan);
    assert_true(nan > 100);

    free(in);
    free(out);
    mf_kernel_lib_close(&lib);
    mf_cc_clear(&cc);
    free(src);
    nu_env_free(env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernel_exp_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
