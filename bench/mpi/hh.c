/* The HH tutorial fit of the MPI benchmarks (hh.h). */
#include "hh.h"

#include <stdio.h>
#include <stdlib.h>

#ifndef MF_SHARED_DIR
#define MF_SHARED_DIR "../shared"
#endif

void hh_check(mf_status st, const mf_error *err)
{
    if (st != MF_OK) {
        fprintf(stderr, "bench: %s\n", err->message);
        exit(1);
    }
}

#define check hh_check

static const char *const NAMES[4] = {"gl", "g_na", "g_kd", "Cm"};
static const double LO[4] = {1e-9, 2e-6, 6e-7, 20e-12};
static const double HI[4] = {1e-7, 2e-4, 6e-5, 400e-12};

/* See hh.h. */
mf_fitter *hh_fitter(mf_context *ctx, const char *method, int n_samples, mf_optimizer *opt)
{
    mf_error err;
    const char *dir = MF_SHARED_DIR "/refdata/hh_tutorial/";
    char path[512];
    mf_array *in, *out;
    snprintf(path, sizeof path, "%sinput_traces_hh.csv", dir);
    check(mf_read_csv(path, MF_CSV_AUTO, &in, &err), &err);
    snprintf(path, sizeof path, "%soutput_traces_hh.csv", dir);
    check(mf_read_csv(path, MF_CSV_AUTO, &out, &err), &err);
    double *mv = mf_array_data(out);
    for (size_t i = 0; i < mf_array_rows(out) * mf_array_cols(out); i++)
        mv[i] *= 1e-3;
    mf_quantity amp, volt, c;
    check(mf_quantity_from_string("amp", &amp, &err), &err);
    check(mf_quantity_from_string("volt", &volt, &err), &err);
    mf_fitter_spec *s;
    check(mf_fitter_spec_new(MF_FITTER_TRACES, &s, &err), &err);
    check(mf_fitter_spec_read_model(s, MF_SHARED_DIR "/models/hh_tutorial.eqs", &err), &err);
    static const char *const consts[4][2] = {
        {"El", "-65*mV"}, {"EK", "-90*mV"}, {"ENa", "50*mV"}, {"VT", "-63*mV"}};
    for (int i = 0; i < 4; i++) {
        check(mf_quantity_from_string(consts[i][1], &c, &err), &err);
        check(mf_fitter_spec_set_constant(s, consts[i][0], c, &err), &err);
    }
    int n_tr = (int)mf_array_rows(in);
    long n_st = (long)mf_array_cols(in);
    check(mf_fitter_spec_set_input(s, "I", amp, n_tr, n_st, mf_array_cdata(in), &err), &err);
    check(mf_fitter_spec_set_output(s, "v", volt, n_tr, n_st, mf_array_cdata(out), &err), &err);
    check(mf_fitter_spec_set_dt(s, 1e-5, &err), &err);
    check(mf_fitter_spec_set_n_samples(s, n_samples, &err), &err);
    check(mf_fitter_spec_set_method(s, method, &err), &err);
    check(mf_fitter_spec_set_init(s, "v", "El", &err), &err);
    mf_fitter *f;
    check(mf_fitter_new(ctx, s, &f, &err), &err);
    check(mf_fitter_fit(f, opt, NULL, 0, 4, NAMES, LO, HI, NULL, NULL, true, -1, &err), &err);
    mf_fitter_spec_free(s);
    mf_array_free(in);
    mf_array_free(out);
    return f;
}
