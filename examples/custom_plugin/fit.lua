-- A fit with plugins built outside modelfit: the SDK template's optimizer
-- "hillclimb" (a (1 + n) evolution strategy) and metric "mae" (mean
-- absolute error), built by build.sh (see README.md). The model is a
-- passive membrane; its "recording" is made with mf.simulate from known
-- values, and the fit should find them again.
--
-- Usage: modelfit run examples/custom_plugin/fit.lua [PLUGIN_DIR]
--   PLUGIN_DIR  where build.sh put hillclimb.so and mae.so; without it the
--               plugins are looked up by name (MODELFIT_PLUGIN_PATH, then
--               the installed plugin directory).
local mf = require "modelfit"
local u = mf.units

local dir = arg[1]
local function plugin(name)
    return dir and (dir .. "/" .. name .. ".so") or name
end
local opt = mf.optimizer(plugin("hillclimb"), {seed = 3})
local metric = mf.metric(plugin("mae"), {t_start = 1 * u.ms})
print(("optimizer %s %s: %s"):format(opt.name, opt.version, opt.summary))
print(("metric    %s %s: %s"):format(metric.name, metric.version, metric.summary))

local model = [[
dv/dt = (gl*(El - v) + I)/C : volt
gl : siemens (constant)
C  : farad (constant)
]]
local constants = {El = -70 * u.mV}
local dt, n_steps = 0.1 * u.ms, 600
local amps = {0.05, 0.1, -0.05} -- nA, steps from 10 ms to 40 ms
local current = mf.zeros(#amps, n_steps)
for k, a in ipairs(amps) do
    for s = 101, 400 do current:set(k, s, a) end
end
local input = current * u.nA
local truth = {gl = 5 * u.nS, C = 100 * u.pF}
local traces = mf.simulate{model = model, constants = constants, input = {I = input}, dt = dt,
                           param_init = {v = "El"}, params = truth, record = {"v"}}

local fitter = mf.TraceFitter{
    model = model, constants = constants, input = {I = input}, output = {v = traces.v},
    dt = dt, n_samples = 12, param_init = {v = "El"},
}
local best, err = fitter:fit{
    optimizer = opt, metric = metric, n_rounds = 60, callback = "none",
    params = {gl = {0.5 * u.nS, 50 * u.nS}, C = {10 * u.pF, 1000 * u.pF}},
}
for _, name in ipairs(fitter.params) do
    print(("%-3s truth %-8s fitted %-10s (%+.2f%%)"):format(name, tostring(truth[name]),
        tostring(best[name]), 100 * (best[name] / truth[name] - 1)))
end
print(("mean absolute error %s after %d evaluations"):format(tostring(err), #fitter:results()))
