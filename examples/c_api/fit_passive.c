/* Fitting a model from C through <modelfit/modelfit.h> alone.
 *
 * The model is ../shared/models/passive_conductance.eqs: a current through
 * one conductance with the membrane voltage clamped (the input). The data
 * are made here: voltage steps, and the current of g = 10 nS, E = 0 mV
 * plus a little deterministic "noise". Differential evolution finds the
 * neighbourhood, refine finishes; the program prints the result and exits
 * with 0 when both parameters are within 1% of the truth.
 *
 *   cc fit_passive.c $(pkg-config --cflags --libs modelfit) -lm */
#include <modelfit/modelfit.h>

#include <math.h>
#include <stdio.h>

#define N_TRACES 3
#define N_STEPS  400

static const char *model = "I = g*(v - E) : amp\n"
                           "g : siemens (constant)\n"
                           "E : volt (constant)\n";

/* Prints the error and returns 1 when st is not MF_OK. */
static int failed(mf_status st, const mf_error *err)
{
    if (st != MF_OK)
        fprintf(stderr, "fit_passive: %s\n", err->message);
    return st != MF_OK;
}

/* Voltage steps from -80 mV to +40 mV; I = 10 nS * (v - 0 mV) + noise. */
static void make_data(double *v, double *current)
{
    for (int k = 0; k < N_TRACES; k++)
        for (int i = 0; i < N_STEPS; i++) {
            double vi = i < 100 ? -70e-3 : -80e-3 + 60e-3 * k + 0.1e-3 * (i % 50);
            v[k * N_STEPS + i] = vi;
            current[k * N_STEPS + i] = 10e-9 * (vi - 0.0) + 5e-12 * sin(0.7 * i + k);
        }
}

static int fit(mf_context *ctx, mf_fitter *fitter, double *best)
{
    mf_error err;
    mf_options *opts = NULL;
    mf_optimizer *de = NULL;
    mf_printer *printer = NULL;
    const char *names[] = {"g", "E"};
    const double lo[] = {1e-9, -20e-3}, hi[] = {30e-9, 100e-3};
    double error, cov[4];
    int bad =
        failed(mf_options_new(&opts, &err), &err) ||
        failed(mf_options_set_int(opts, "seed", 1, &err), &err) ||
        failed(mf_optimizer_new(ctx, "de", opts, &de, &err), &err) ||
        failed(mf_printer_new("text", stdout, &printer, &err), &err) ||
        failed(mf_fitter_fit(fitter, de, NULL, 10, 2, names, lo, hi, mf_printer_callback,
                             printer, false, -1, &err),
               &err) ||
        failed(mf_fitter_refine(fitter, NULL, 0, 0, NAN, NULL, NULL, best, &error, cov, &err),
               &err);
    if (!bad)
        printf("refined: g = %.4f nS (sd %.2g), E = %.4f mV (sd %.2g), MSE = %.3g pA^2\n",
               best[0] * 1e9, sqrt(cov[0]) * 1e9, best[1] * 1e3, sqrt(cov[3]) * 1e3,
               error * 1e24);
    mf_printer_free(printer);
    mf_optimizer_free(de);
    mf_options_free(opts);
    return bad;
}

int main(void)
{
    static double v[N_TRACES * N_STEPS], current[N_TRACES * N_STEPS];
    make_data(v, current);
    mf_error err;
    mf_context *ctx = NULL;
    mf_fitter_spec *spec = NULL;
    mf_fitter *fitter = NULL;
    mf_quantity volt, amp;
    double best[2] = {0, 0};
    int bad =
        failed(mf_context_new(&ctx, &err), &err) ||
        failed(mf_quantity_from_string("volt", &volt, &err), &err) ||
        failed(mf_quantity_from_string("amp", &amp, &err), &err) ||
        failed(mf_fitter_spec_new(MF_FITTER_TRACES, &spec, &err), &err) ||
        failed(mf_fitter_spec_set_model(spec, model, "passive_conductance.eqs", &err), &err) ||
        failed(mf_fitter_spec_set_input(spec, "v", volt, N_TRACES, N_STEPS, v, &err), &err) ||
        failed(mf_fitter_spec_set_output(spec, "I", amp, N_TRACES, N_STEPS, current, &err),
               &err) ||
        failed(mf_fitter_spec_set_dt(spec, 0.1e-3, &err), &err) ||
        failed(mf_fitter_spec_set_n_samples(spec, 20, &err), &err) ||
        failed(mf_fitter_new(ctx, spec, &fitter, &err), &err) || fit(ctx, fitter, best);
    mf_fitter_free(fitter);
    mf_fitter_spec_free(spec);
    mf_context_free(ctx);
    if (bad)
        return 1;
    /* g = 10 nS, E = 0 mV (|E| within 1% of the voltage range's scale). */
    return fabs(best[0] / 10e-9 - 1) < 0.01 && fabs(best[1]) < 0.1e-3 ? 0 : 1;
}
