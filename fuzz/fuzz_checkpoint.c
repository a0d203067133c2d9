/* Fuzzes the checkpoint reader: the container (checkpoint.c: magic,
 * lengths, checksum, versions), the payload parser (fitter_checkpoint.c)
 * and the restore into a live fitter, through the public calls a user
 * makes: mf_fitter_resume, then mf_fitter_fit.
 *
 * A random file almost never passes the SHA-256 checksum, so the first
 * byte chooses how the rest is used:
 *   0  the whole file, as is;
 *   1  the payload, wrapped in a valid container (header and checksum);
 *   2  edits (offset, xor) to a real checkpoint's payload, then wrapped:
 *      the fuzzer walks from a checkpoint whose fingerprint matches, so
 *      the restore (optimizer load, history, counters) is reached too.
 * The real checkpoint is made at start-up: a tiny trace fitter with the
 * DE optimizer, 2 rounds.
 *
 * Promises checked beyond the sanitizers: every failure fills the error
 * record; after a successful resume and fit the fitter is consistent (its
 * history has n_samples rows per round, its best is a finite error of the
 * history). MF_FUZZ_SEEDS=DIR writes seed files into DIR at start-up. */
#include "checkpoint.h"
#include "fuzz_util.h"
#include "modelfit/modelfit.h"

#include <math.h>

enum { N_STEPS = 20, N_SAMPLES = 4 };

static mf_context *ctx;
static unsigned char *valid; /* a real checkpoint's payload */
static size_t valid_n;
static char ckpt_path[4096];

static mf_fitter *new_fitter(void)
{
    double input[N_STEPS], target[N_STEPS];
    for (int s = 0; s < N_STEPS; s++) {
        input[s] = 0.1e-9;
        target[s] = -60e-3 + 1e-3 * s / N_STEPS;
    }
    mf_fitter_spec *spec;
    mf_fitter *f = NULL;
    mf_error e;
    mf_quantity amp = {1, {0, 0, 0, 1, 0, 0, 0}}, volt = {1, {2, 1, -3, -1, 0, 0, 0}};
    mf_quantity ohm = {100e6, {2, 1, -3, -2, 0, 0, 0}};
    if (mf_fitter_spec_new(MF_FITTER_TRACES, &spec, &e) != MF_OK)
        abort();
    bool ok = mf_fitter_spec_set_model(spec,
                                       "dv/dt = (El - v + R*I)/tau : volt\n"
                                       "El : volt (constant)\ntau : second (constant)\n",
                                       NULL, &e) == MF_OK &&
              mf_fitter_spec_set_constant(spec, "R", ohm, &e) == MF_OK &&
              mf_fitter_spec_set_input(spec, "I", amp, 1, N_STEPS, input, &e) == MF_OK &&
              mf_fitter_spec_set_output(spec, "v", volt, 1, N_STEPS, target, &e) == MF_OK &&
              mf_fitter_spec_set_dt(spec, 1e-4, &e) == MF_OK &&
              mf_fitter_spec_set_n_samples(spec, N_SAMPLES, &e) == MF_OK &&
              mf_fitter_spec_set_init(spec, "v", "-60*mV", &e) == MF_OK &&
              mf_fitter_new(ctx, spec, &f, &e) == MF_OK;
    mf_fitter_spec_free(spec);
    FUZZ_CHECK(ok, "fuzz fitter: %s", e.message);
    return f;
}

static mf_optimizer *new_optimizer(void)
{
    mf_options *o;
    mf_optimizer *opt;
    mf_error e;
    bool ok = mf_options_new(&o, &e) == MF_OK &&
              mf_options_set_int(o, "seed", 3, &e) == MF_OK &&
              mf_optimizer_new(ctx, "de", o, &opt, &e) == MF_OK;
    mf_options_free(o);
    FUZZ_CHECK(ok, "fuzz optimizer: %s", e.message);
    return opt;
}

static const char *const NAMES[2] = {"El", "tau"};
static const double LO[2] = {-90e-3, 1e-3}, HI[2] = {-50e-3, 50e-3};

static mf_status fit(mf_fitter *f, mf_optimizer *opt, int n_rounds, mf_error *err)
{
    return mf_fitter_fit(f, opt, NULL, n_rounds, 2, NAMES, LO, HI, NULL, NULL, false, -1, err);
}

static void write_file(const char *path, const void *p, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (!fp || (n && fwrite(p, 1, n, fp) != n) || fclose(fp) != 0)
        abort();
}

/* Seeds for the three modes, into dir. */
static void write_seeds(const char *dir, const unsigned char *file, size_t file_n)
{
    char path[4200];
    unsigned char *buf = malloc(file_n + 1);
    if (!buf)
        abort();
    buf[0] = 0;
    memcpy(buf + 1, file, file_n);
    snprintf(path, sizeof path, "%s/file.bin", dir);
    write_file(path, buf, file_n + 1);
    buf[0] = 1;
    memcpy(buf + 1, valid, valid_n);
    snprintf(path, sizeof path, "%s/payload.bin", dir);
    write_file(path, buf, valid_n + 1);
    /* Mode 2: flip a byte of the history and one of the counters. */
    const unsigned char edits[] = {2,    0x00, 0x02, 0x00, 0x00, 0x01,
                                   0x40, 0x01, 0x00, 0x00, 0x80};
    snprintf(path, sizeof path, "%s/edits.bin", dir);
    write_file(path, edits, sizeof edits);
    free(buf);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    /* Interpreted models: nothing is compiled per input. */
    setenv("MODELFIT_BACKEND", "interp", 1);
    mf_error e;
    if (mf_context_new(&ctx, &e) != MF_OK)
        abort();
    mf_context_set_threads(ctx, 1);
    const char *dir = getenv("TMPDIR");
    snprintf(ckpt_path, sizeof ckpt_path, "%s/mf-fuzz-ckpt-%ld", dir && *dir ? dir : "/tmp",
             (long)getpid());
    mf_fitter *f = new_fitter();
    mf_optimizer *opt = new_optimizer();
    FUZZ_CHECK(mf_fitter_set_checkpoint(f, ckpt_path, 1, &e) == MF_OK, "%s", e.message);
    FUZZ_CHECK(fit(f, opt, 2, &e) == MF_OK, "%s", e.message);
    unsigned char *data;
    size_t n, pn;
    const void *payload;
    FUZZ_CHECK(mf_ckpt_read(ckpt_path, &data, &n, &payload, &pn, &e) == MF_OK, "%s", e.message);
    valid = malloc(pn);
    if (!valid)
        abort();
    memcpy(valid, payload, pn);
    valid_n = pn;
    if (getenv("MF_FUZZ_SEEDS"))
        write_seeds(getenv("MF_FUZZ_SEEDS"), data, n);
    free(data);
    unlink(ckpt_path);
    mf_fitter_free(f);
    mf_optimizer_free(opt);
    return 0;
}

/* The file to resume from, per mode; NULL when the input is too short. */
static unsigned char *make_file(const uint8_t *data, size_t size, size_t *n)
{
    if (size < 1)
        return NULL;
    unsigned char *out = NULL;
    mf_error e;
    if (data[0] % 3 == 0) {
        out = malloc(size);
        if (!out)
            abort();
        memcpy(out, data + 1, size - 1);
        *n = size - 1;
        return out;
    }
    const unsigned char *payload = data + 1;
    size_t pn = size - 1;
    unsigned char *edited = NULL;
    if (data[0] % 3 == 2) {
        edited = malloc(valid_n + 1);
        if (!edited)
            abort();
        memcpy(edited, valid, valid_n);
        pn = valid_n;
        /* (u16 offset, xor byte) triples; an offset past the end cuts there. */
        for (size_t i = 1; i + 3 <= size; i += 3) {
            size_t at = (size_t)data[i] | (size_t)data[i + 1] << 8;
            if (at >= valid_n) {
                pn = at % (valid_n + 1);
                continue;
            }
            edited[at] ^= data[i + 2];
        }
        payload = edited;
    }
    FUZZ_CHECK(mf_ckpt_wrap(payload, pn, MF_CKPT_FORMAT, MF_PLUGIN_ABI_VERSION, &out, n, &e) ==
                   MF_OK,
               "%s", e.message);
    free(edited);
    return out;
}

/* A restored fitter is whole. */
static void check_fitter(const mf_fitter *f)
{
    long n = mf_fitter_history_size(f);
    FUZZ_CHECK(n >= 0, "history size %ld", n);
    for (long i = 0; i < n; i++) {
        FUZZ_CHECK(mf_fitter_history_point(f, i) != NULL, "no point %ld", i);
        FUZZ_CHECK(mf_fitter_history_round(f, i) >= 0, "round of %ld", i);
        FUZZ_CHECK(!(mf_fitter_history_error(f, i) < 0), "negative error");
    }
    double p[2], err_value;
    mf_error e;
    if (mf_fitter_best(f, p, &err_value, &e) == MF_OK)
        FUZZ_CHECK(isfinite(err_value), "best error %g", err_value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n;
    unsigned char *file = make_file(data, size, &n);
    if (!file)
        return 0;
    /* The container in memory. */
    const void *payload;
    size_t pn;
    mf_error e;
    mf_status st = mf_ckpt_open(file, n, "fuzz", &payload, &pn, &e);
    if (st != MF_OK)
        fuzz_check_error(st, &e);
    else
        FUZZ_CHECK((const unsigned char *)payload == file + MF_CKPT_HEAD &&
                       pn + MF_CKPT_HEAD + MF_CKPT_SUM == n,
                   "payload outside the file");
    /* The whole way: resume, then a fit of one round. */
    write_file(ckpt_path, file, n);
    free(file);
    mf_fitter *f = new_fitter();
    mf_optimizer *opt = new_optimizer();
    st = mf_fitter_resume(f, ckpt_path, &e);
    if (st != MF_OK) {
        fuzz_check_error(st, &e);
    } else {
        st = fit(f, opt, 3, &e);
        if (st != MF_OK)
            fuzz_check_error(st, &e);
        else
            check_fitter(f);
    }
    mf_fitter_free(f);
    mf_optimizer_free(opt);
    unlink(ckpt_path);
    return 0;
}
