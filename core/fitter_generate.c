/* mf_fitter_generate: one parameter set against every input trace, for
 * plots and checks (brian2modelfitting's generate / generate_traces /
 * generate_spikes). A param_init given here means another initial state, so
 * the model is compiled again with it; otherwise the fitter's is used. */
#include "fitter.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct gen {
    mf_model *own_model;
    mf_engine *own_engine;
    const mf_model *m;
    mf_engine *e;
    int *probes;
    double **store;
    mf_spike_list *spikes;
    double *cols;
    const double **values;
} gen;

static void gen_free(gen *g, int n_traces)
{
    free(g->probes);
    free(g->store);
    mf_spike_lists_free(g->spikes, n_traces);
    free(g->cols);
    free(g->values);
    mf_engine_free(g->own_engine);
    mf_model_free(g->own_model);
}

static mf_status setup_model(mf_fitter *f, gen *g, int n_init, const char *const *names,
                             const char *const *values, mf_error *err)
{
    g->m = f->model;
    g->e = f->engine;
    if (n_init <= 0)
        return MF_OK;
    if (!names || !values)
        return mf_error_set(err, MF_ERR_INVALID, "param_init needs names and values");
    mf_status rc = mf_fitter_compile(f, NULL, n_init, names, values, &g->own_model, err);
    if (rc != MF_OK)
        return rc;
    mf_engine_options opt = mf_engine_options_for(f->ctx);
    rc = mf_engine_new(g->own_model, f->dt, &opt, &g->own_engine, err);
    g->m = g->own_model;
    g->e = g->own_engine;
    return rc;
}

static mf_status setup_outputs(mf_fitter *f, gen *g, int n_vars, const char *const *vars,
                               mf_array **traces, bool want_spikes, mf_error *err)
{
    size_t n = (size_t)n_vars + 1;
    g->probes = calloc(n, sizeof *g->probes);
    g->store = calloc(n, sizeof *g->store);
    g->cols = malloc(((size_t)f->n_params + 1) * sizeof *g->cols);
    g->values = calloc((size_t)g->m->n_var + 1, sizeof *g->values);
    if (want_spikes)
        g->spikes = calloc((size_t)f->n_traces + 1, sizeof *g->spikes);
    if (!g->probes || !g->store || !g->cols || !g->values || (want_spikes && !g->spikes))
        return mf_error_nomem(err, "the tables of a generated run",
                              n * (sizeof *g->probes + sizeof *g->store) +
                                  ((size_t)f->n_params + (size_t)g->m->n_var + 2) * 8 +
                                  ((size_t)f->n_traces + 1) * sizeof *g->spikes);
    if (want_spikes && g->m->v_spike < 0)
        return mf_error_set(err, MF_ERR_INVALID,
                            "the model has no threshold, so it has no spikes to generate");
    for (int i = 0; i < n_vars; i++) {
        mf_dim dim;
        mf_status rc = mf_fit_find(g->m, vars[i], &g->probes[i], &dim, err);
        if (rc == MF_OK)
            rc = mf_array_new((size_t)f->n_traces, (size_t)f->n_steps, &traces[i], err);
        if (rc != MF_OK)
            return rc;
        g->store[i] = mf_array_data(traces[i]);
    }
    return MF_OK;
}

static mf_status make_trains(const mf_fitter *f, const gen *g, mf_spike_trains **out,
                             mf_error *err)
{
    int *lens = calloc((size_t)f->n_traces, sizeof *lens);
    const double **times = calloc((size_t)f->n_traces, sizeof *times);
    mf_status rc = lens && times
                       ? MF_OK
                       : mf_error_nomem(err, "the table of spike trains",
                                        (size_t)f->n_traces * (sizeof *lens + sizeof *times));
    for (int k = 0; rc == MF_OK && k < f->n_traces; k++) {
        lens[k] = (int)g->spikes[k].n;
        times[k] = g->spikes[k].t;
    }
    if (rc == MF_OK)
        rc = mf_spike_trains_new_from(f->n_traces, lens, times, out, err);
    free(lens);
    free(times);
    return rc;
}

static mf_status check_args(const mf_fitter *f, const double *params, int n_vars,
                            const char *const *vars, mf_array **traces, mf_error *err)
{
    if (!f)
        return mf_error_set(err, MF_ERR_INVALID, "mf_fitter_generate: no fitter");
    if (n_vars < 0 || (n_vars > 0 && (!vars || !traces)))
        return mf_error_set(err, MF_ERR_INVALID,
                            "generate: give the variables and room for "
                            "their traces");
    if (!params && f->best < 0)
        return mf_error_set(err, MF_ERR_INVALID,
                            "generate: no parameters given and no best parameters yet");
    for (int p = 0; params && p < f->n_params; p++)
        if (!isfinite(params[p]))
            return mf_error_set(err, MF_ERR_NUMERIC,
                                "generate: the value of '%s' is not finite",
                                mf_fitter_param_name(f, p));
    return MF_OK;
}

mf_status mf_fitter_generate(mf_fitter *f, const double *params, int n_init,
                             const char *const *init_names, const char *const *init_values,
                             double iteration, int n_vars, const char *const *vars,
                             mf_array **traces, mf_spike_trains **spikes, mf_error *err)
{
    mf_status rc = check_args(f, params, n_vars, vars, traces, err);
    if (rc != MF_OK)
        return rc;
    for (int i = 0; i < n_vars; i++)
        traces[i] = NULL;
    if (spikes)
        *spikes = NULL;
    if (!params)
        params = mf_fitter_history_point(f, f->best);
    gen g = {0};
    rc = setup_model(f, &g, n_init, init_names, init_values, err);
    if (rc == MF_OK)
        rc = setup_outputs(f, &g, n_vars, vars, traces, spikes != NULL, err);
    if (rc == MF_OK) {
        mf_fitter_param_columns(f, 1, params, g.cols, g.values);
        fit_run r = {
            .m = g.m,
            .e = g.e,
            .n_traces = f->n_traces,
            .n_rows = 1,
            .n_steps = f->n_steps,
            .series = f->series,
            .values = g.values,
            .iteration = isnan(iteration) ? 1e9 : iteration,
            .n_probes = n_vars,
            .probes = g.probes,
            .store = g.store,
            .spikes = g.spikes,
        };
        rc = mf_fit_run(&r, err);
    }
    if (rc == MF_OK && spikes)
        rc = make_trains(f, &g, spikes, err);
    gen_free(&g, f->n_traces);
    if (rc != MF_OK)
        for (int i = 0; i < n_vars; i++) {
            mf_array_free(traces[i]);
            traces[i] = NULL;
        }
    return rc;
}
