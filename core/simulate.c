/* The public simulation API (modelfit/simulate.h) over the internal model
 * compiler and engine: it keeps copies of everything it is given, compiles
 * the model when it runs, and hands back the recordings. */
#include "modelfit/simulate.h"

#include "engine.h"
#include "error.h"
#include "memory.h"
#include "settings.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct sim_param {
    char *name;
    int n;
    double *v;
} sim_param;

struct mf_sim {
    mf_context *ctx;
    char *model;
    mf_setting_const *consts;
    int n_consts;
    mf_setting_series *inputs;
    int n_inputs;
    double dt;
    long n_steps;
    char *method, *threshold, *reset, *refractory;
    double abs_tol, rel_tol;
    mf_setting_init *inits;
    int n_inits;
    sim_param *params;
    int n_params;
    char **rec;
    int n_rec;
};

struct mf_sim_result {
    long n_neurons, n_steps;
    double dt;
    const char *method;
    char **rec_names;
    double **rec;
    int n_rec;
    mf_spike_list *spikes;
};

/* Every setter and mf_sim_run refuse a NULL simulation. */
static mf_status no_sim(const char *function, mf_error *err)
{
    return mf_error_set(err, MF_ERR_INVALID, "%s: the simulation is NULL", function);
}

/* --- setup ------------------------------------------------------------------ */

mf_status mf_sim_new(mf_context *ctx, const char *model, mf_sim **out, mf_error *err)
{
    if (!out)
        return mf_error_set(err, MF_ERR_INVALID, "mf_sim_new: out is NULL");
    *out = NULL;
    if (!model)
        return mf_error_set(err, MF_ERR_INVALID, "mf_sim_new: no model text");
    mf_sim *s = calloc(1, sizeof *s);
    if (!s)
        return mf_error_nomem(err, "a simulation", sizeof *s);
    s->ctx = ctx;
    s->model = strdup(model);
    if (!s->model) {
        free(s);
        return mf_error_nomem(err, "a copy of the model text", strlen(model) + 1);
    }
    *out = s;
    return MF_OK;
}

void mf_sim_free(mf_sim *s)
{
    if (!s)
        return;
    mf_settings_free_consts(s->consts, s->n_consts);
    mf_settings_free_series(s->inputs, s->n_inputs);
    mf_settings_free_inits(s->inits, s->n_inits);
    for (int i = 0; i < s->n_params; i++) {
        free(s->params[i].name);
        free(s->params[i].v);
    }
    for (int i = 0; i < s->n_rec; i++)
        free(s->rec[i]);
    free(s->params);
    free(s->rec);
    free(s->model);
    free(s->method);
    free(s->threshold);
    free(s->reset);
    free(s->refractory);
    free(s);
}

mf_status mf_sim_set_constant(mf_sim *s, const char *name, mf_quantity value, mf_error *err)
{
    if (!s)
        return no_sim(__func__, err);
    return mf_settings_constant(&s->consts, &s->n_consts, name, value, err);
}

mf_status mf_sim_set_input(mf_sim *s, const char *name, mf_quantity unit, int n_traces,
                           long n_steps, const double *values, mf_error *err)
{
    if (!s)
        return no_sim(__func__, err);
    return mf_settings_series(&s->inputs, &s->n_inputs, "input", name, unit, n_traces, n_steps,
                              values, err);
}

mf_status mf_sim_set_dt(mf_sim *s, double dt, mf_error *err)
{
    if (!s)
        return no_sim(__func__, err);
    return mf_settings_dt(&s->dt, dt, err);
}

mf_status mf_sim_set_steps(mf_sim *s, long n_steps, mf_error *err)
{
    if (!s)
        return no_sim(__func__, err);
    if (n_steps < 1)
        return mf_error_set(err, MF_ERR_INVALID, "the number of steps must be at least 1");
    s->n_steps = n_steps;
    return MF_OK;
}

mf_status mf_sim_set_method(mf_sim *s, const char *method, mf_error *err)
{
    if (!s)
        return no_sim(__func__, err);
    return mf_settings_text(&s->method, method, err);
}

mf_status mf_sim_set_tolerance(mf_sim *s, double abs_tol, double rel_tol, mf_error *err)
{
    if (!s)
        return no_sim(__func__, err);
    if (!(abs_tol >= 0) || !(rel_tol >= 0) || (abs_tol == 0 && rel_tol == 0))
        return mf_error_set(err, MF_ERR_INVALID,
                            "tolerances must be >= 0 and not both 0 (got %g, %g)", abs_tol,
                            rel_tol);
    s->abs_tol = abs_tol;
    s->rel_tol = rel_tol;
    return MF_OK;
}

mf_status mf_sim_set_threshold(mf_sim *s, const char *condition, mf_error *err)
{
    if (!s)
        return no_sim(__func__, err);
    return mf_settings_text(&s->threshold, condition, err);
}

mf_status mf_sim_set_reset(mf_sim *s, const char *statements, mf_error *err)
{
    if (!s)
        return no_sim(__func__, err);
    return mf_settings_text(&s->reset, statements, err);
}

mf_status mf_sim_set_refractory(mf_sim *s, const char *refractory, mf_error *err)
{
    if (!s)
        return no_sim(__func__, err);
    return mf_settings_text(&s->refractory, refractory, err);
}

mf_status mf_sim_set_init(mf_sim *s, const char *variable, const char *value, mf_error *err)
{
    if (!s)
        return no_sim(__func__, err);
    return mf_settings_init(&s->inits, &s->n_inits, variable, value, err);
}

mf_status mf_sim_set_param(mf_sim *s, const char *name, int n_samples, const double *values,
                           mf_error *err)
{
    if (!s)
        return no_sim(__func__, err);
    mf_status rc = mf_settings_need_name(name, "parameter", err);
    if (rc != MF_OK)
        return rc;
    if (n_samples < 1 || !values)
        return mf_error_set(err, MF_ERR_INVALID, "parameter %s needs at least one value", name);
    for (int i = 0; i < n_samples; i++)
        if (!isfinite(values[i]))
            return mf_error_set(err, MF_ERR_NUMERIC,
                                "parameter %s: the value of set %d is not finite", name, i);
    double *copy = malloc((size_t)n_samples * sizeof *copy);
    if (!copy)
        return mf_error_nomem(err, "the values of a parameter",
                              (size_t)n_samples * sizeof *copy);
    memcpy(copy, values, (size_t)n_samples * sizeof *copy);
    sim_param *p = mf_settings_slot((void **)&s->params, &s->n_params, sizeof *p, name);
    if (!p) {
        free(copy);
        return mf_error_nomem(err, "the list of parameters",
                              ((size_t)s->n_params + 1) * sizeof *p);
    }
    free(p->v);
    p->v = copy;
    p->n = n_samples;
    return MF_OK;
}

mf_status mf_sim_record(mf_sim *s, const char *variable, mf_error *err)
{
    if (!s)
        return no_sim(__func__, err);
    mf_status rc = mf_settings_need_name(variable, "recorded variable", err);
    if (rc != MF_OK)
        return rc;
    for (int i = 0; i < s->n_rec; i++)
        if (strcmp(s->rec[i], variable) == 0)
            return MF_OK;
    char **n = realloc(s->rec, ((size_t)s->n_rec + 1) * sizeof *n);
    if (!n)
        return mf_error_nomem(err, "the list of recorded variables",
                              ((size_t)s->n_rec + 1) * sizeof *n);
    s->rec = n;
    s->rec[s->n_rec] = strdup(variable);
    if (!s->rec[s->n_rec])
        return mf_error_nomem(err, "a variable name", strlen(variable) + 1);
    s->n_rec++;
    return MF_OK;
}

/* --- running --------------------------------------------------------------- */

typedef struct sim_run {
    mf_name_def *consts, *inputs;
    const char **init_names, **init_values;
    mf_model *m;
    mf_engine *e;
    const double **values;
    const double **in;
    int *rec_vars;
    int n_traces, n_samples;
    long n_steps, series_steps;
} sim_run;

static void sim_run_free(sim_run *r)
{
    free(r->consts);
    free(r->inputs);
    free(r->init_names);
    free(r->init_values);
    free(r->values);
    free(r->in);
    free(r->rec_vars);
    mf_engine_free(r->e);
    mf_model_free(r->m);
}

static mf_status compile(const mf_sim *s, sim_run *r, mf_error *err)
{
    mf_status rc = mf_settings_defs(s->consts, s->n_consts, s->inputs, s->n_inputs, &r->consts,
                                    &r->inputs, err);
    if (rc != MF_OK)
        return rc;
    r->init_names = calloc((size_t)s->n_inits + 1, sizeof *r->init_names);
    r->init_values = calloc((size_t)s->n_inits + 1, sizeof *r->init_values);
    if (!r->init_names || !r->init_values)
        return mf_error_nomem(err, "the table of initial values",
                              2 * ((size_t)s->n_inits + 1) * sizeof *r->init_names);
    for (int i = 0; i < s->n_inits; i++) {
        r->init_names[i] = s->inits[i].name;
        r->init_values[i] = s->inits[i].value;
    }
    mf_model_spec spec = {
        .equations = s->model,
        .constants = r->consts,
        .n_constants = s->n_consts,
        .inputs = r->inputs,
        .n_inputs = s->n_inputs,
        .threshold = s->threshold,
        .reset = s->reset,
        .refractory = s->refractory,
        .method = s->method,
        .init_names = r->init_names,
        .init_exprs = r->init_values,
        .n_init = s->n_inits,
    };
    rc = mf_model_compile(&spec, &r->m, err);
    if (rc != MF_OK)
        return rc;
    if (!(s->dt > 0))
        return mf_error_set(err, MF_ERR_INVALID, "dt is not set: call mf_sim_set_dt");
    mf_engine_options opt = mf_engine_options_for(s->ctx);
    opt.abs_tol = s->abs_tol;
    opt.rel_tol = s->rel_tol;
    return mf_engine_new(r->m, s->dt, &opt, &r->e, err);
}

static mf_status check_inputs(const mf_sim *s, sim_run *r, mf_error *err)
{
    r->n_traces = 1;
    r->n_steps = s->n_steps;
    r->in = calloc((size_t)s->n_inputs + 1, sizeof *r->in);
    if (!r->in)
        return mf_error_nomem(err, "the table of inputs",
                              ((size_t)s->n_inputs + 1) * sizeof *r->in);
    for (int i = 0; i < s->n_inputs; i++) {
        const mf_setting_series *in = &s->inputs[i];
        if (i > 0 &&
            (in->n_traces != s->inputs[0].n_traces || in->n_steps != s->inputs[0].n_steps))
            return mf_error_set(err, MF_ERR_INVALID,
                                "input %s has %d x %ld values but input %s has %d x %ld",
                                in->name, in->n_traces, in->n_steps, s->inputs[0].name,
                                s->inputs[0].n_traces, s->inputs[0].n_steps);
        mf_status rc = mf_engine_check_series(in->name, in->v, in->n_traces, in->n_steps, err);
        if (rc != MF_OK)
            return rc;
        r->n_traces = in->n_traces;
        r->series_steps = in->n_steps;
        if (s->n_steps == 0)
            r->n_steps = in->n_steps;
        r->in[i] = in->v;
    }
    if (r->n_steps == 0)
        r->n_steps = 1;
    return MF_OK;
}

static mf_status bind_params(const mf_sim *s, sim_run *r, mf_error *err)
{
    const mf_model *m = r->m;
    r->values = calloc((size_t)m->n_var + 1, sizeof *r->values);
    if (!r->values)
        return mf_error_nomem(err, "the table of parameter values",
                              ((size_t)m->n_var + 1) * sizeof *r->values);
    r->n_samples = 1;
    for (int i = 0; i < s->n_params; i++) {
        const sim_param *p = &s->params[i];
        int v = mf_model_find_var(m, p->name);
        if (v < 0 || (m->var[v].kind != MF_VAR_PARAM && m->var[v].kind != MF_VAR_LANE))
            return mf_error_set(err, MF_ERR_NAME, "'%s' is not a parameter of the model%s",
                                p->name,
                                v >= 0 ? " (set the initial value of a state variable with "
                                         "param_init)"
                                       : "");
        if (i > 0 && p->n != s->params[0].n)
            return mf_error_set(err, MF_ERR_INVALID,
                                "parameter %s has %d values but parameter %s has %d", p->name,
                                p->n, s->params[0].name, s->params[0].n);
        r->values[v] = p->v;
        r->n_samples = p->n;
    }
    r->rec_vars = calloc((size_t)s->n_rec + 1, sizeof *r->rec_vars);
    if (!r->rec_vars)
        return mf_error_nomem(err, "the table of recorded variables",
                              ((size_t)s->n_rec + 1) * sizeof *r->rec_vars);
    for (int i = 0; i < s->n_rec; i++) {
        int q = mf_model_find_quantity(m, s->rec[i]);
        if (q < 0)
            return mf_error_set(err, MF_ERR_NAME,
                                "cannot record '%s': it is not a variable or subexpression of "
                                "the model",
                                s->rec[i]);
        r->rec_vars[i] = q;
    }
    return MF_OK;
}

void mf_sim_result_free(mf_sim_result *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->n_rec; i++) {
        free(r->rec_names[i]);
        free(r->rec[i]);
    }
    free(r->rec_names);
    free(r->rec);
    mf_spike_lists_free(r->spikes, r->n_neurons);
    free(r);
}

/* Refuses recordings larger than the machine before allocating them. */
static mf_status check_memory(const mf_sim *s, const mf_sim_result *res, mf_error *err)
{
    /* In double: the product can pass SIZE_MAX. */
    double need = 8.0 * (double)res->n_neurons * (double)res->n_steps * s->n_rec;
    double machine = mf_memory_machine();
    if (machine <= 0 || need <= machine)
        return MF_OK;
    char a[32], b[32];
    return mf_error_set(err, MF_ERR_NOMEM,
                        "this simulation needs about %s to record %d variable%s of %ld "
                        "neurons x %ld steps x 8 bytes, more than this machine's %s: record "
                        "fewer variables, neurons or steps",
                        mf_bytes_text(need, a, sizeof a), s->n_rec, s->n_rec == 1 ? "" : "s",
                        res->n_neurons, res->n_steps, mf_bytes_text(machine, b, sizeof b));
}

static mf_status make_result(const mf_sim *s, const sim_run *r, mf_sim_result **out,
                             mf_error *err)
{
    mf_sim_result *res = calloc(1, sizeof *res);
    if (!res)
        return mf_error_nomem(err, "a simulation result", sizeof *res);
    *out = res;
    res->n_neurons = (long)r->n_samples * r->n_traces;
    res->n_steps = r->n_steps;
    res->dt = s->dt;
    res->method = mf_method_name(r->m->method);
    res->rec_names = calloc((size_t)s->n_rec + 1, sizeof *res->rec_names);
    res->rec = calloc((size_t)s->n_rec + 1, sizeof *res->rec);
    if (!res->rec_names || !res->rec)
        return mf_error_nomem(err, "the table of recordings",
                              2 * ((size_t)s->n_rec + 1) * sizeof *res->rec);
    size_t bytes = (size_t)res->n_neurons * (size_t)res->n_steps * sizeof(double);
    mf_status st = check_memory(s, res, err);
    if (st != MF_OK)
        return st;
    for (int i = 0; i < s->n_rec; i++) {
        res->rec_names[i] = strdup(s->rec[i]);
        res->rec[i] = malloc(bytes);
        res->n_rec++;
        if (!res->rec_names[i] || !res->rec[i]) {
            char what[160];
            snprintf(what, sizeof what, "the recording of '%.64s' (%ld neurons x %ld steps)",
                     s->rec[i], res->n_neurons, res->n_steps);
            return mf_error_nomem(err, what, bytes);
        }
    }
    if (r->m->threshold) {
        res->spikes = calloc((size_t)res->n_neurons + 1, sizeof *res->spikes);
        if (!res->spikes)
            return mf_error_nomem(err, "the spike lists",
                                  ((size_t)res->n_neurons + 1) * sizeof *res->spikes);
    }
    return MF_OK;
}

mf_status mf_sim_run(mf_sim *s, mf_sim_result **out, mf_error *err)
{
    if (!s)
        return no_sim(__func__, err);
    if (!out)
        return mf_error_set(err, MF_ERR_INVALID, "mf_sim_run: out is NULL");
    *out = NULL;
    sim_run r;
    memset(&r, 0, sizeof r);
    mf_sim_result *res = NULL;
    mf_status rc = compile(s, &r, err);
    if (rc == MF_OK)
        rc = check_inputs(s, &r, err);
    if (rc == MF_OK)
        rc = bind_params(s, &r, err);
    if (rc == MF_OK)
        rc = make_result(s, &r, &res, err);
    if (rc == MF_OK) {
        mf_run run = {
            .n_lanes = res->n_neurons,
            .n_traces = r.n_traces,
            .n_steps = r.n_steps,
            .inputs = r.in,
            .series_steps = r.series_steps,
            .values = r.values,
            .rec_vars = r.rec_vars,
            .n_rec = s->n_rec,
            .rec_out = res->rec,
            .spikes = res->spikes,
        };
        rc = mf_engine_run(r.e, &run, err);
    }
    sim_run_free(&r);
    if (rc != MF_OK) {
        mf_sim_result_free(res);
        return rc;
    }
    *out = res;
    return MF_OK;
}

long mf_sim_result_neurons(const mf_sim_result *r)
{
    return r ? r->n_neurons : 0;
}

long mf_sim_result_steps(const mf_sim_result *r)
{
    return r ? r->n_steps : 0;
}

double mf_sim_result_dt(const mf_sim_result *r)
{
    return r ? r->dt : NAN;
}

const char *mf_sim_result_method(const mf_sim_result *r)
{
    return r ? r->method : NULL;
}

const double *mf_sim_result_trace(const mf_sim_result *r, const char *variable)
{
    if (!r || !variable)
        return NULL;
    for (int i = 0; i < r->n_rec; i++)
        if (strcmp(r->rec_names[i], variable) == 0)
            return r->rec[i];
    return NULL;
}

const double *mf_sim_result_spikes(const mf_sim_result *r, long neuron, long *n)
{
    if (n)
        *n = 0;
    if (!r || !r->spikes || neuron < 0 || neuron >= r->n_neurons)
        return NULL;
    if (n)
        *n = r->spikes[neuron].n;
    return r->spikes[neuron].n ? r->spikes[neuron].t : NULL;
}
