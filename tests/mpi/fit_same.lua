-- The MPI test's fit script (tests/mpi/check_mpi.sh): the same script runs
-- alone and under `mpirun -n 2`; the results it writes must be identical
-- byte for byte. It covers the three fitters, a fixed-step and an
-- adaptive method, a fit continued by a second call, a restart, and a
-- refine, and checks on every rank (workers included) that the history,
-- the best and the callback's view agree.
--
-- Usage: modelfit run fit_same.lua OUTDIR [VARIANT]
--   VARIANT  "other-data": the recordings differ a little (a mismatch)
--            "fail": this process fails before its first fit
--            "no-fit": this process ends without fitting
local mf = require "modelfit"
local u = mf.units

local out = assert(arg[1], "usage: fit_same.lua OUTDIR [VARIANT]")
local variant = arg[2] or ""
local here = arg[0]:match("^(.*)[/\\]") or "."
if variant == "fail" then error("this process fails on purpose before its first fit") end
if variant == "no-fit" then return end

local function write(name, text)
    local f = assert(io.open(out .. "/" .. name, "w"))
    f:write(text)
    f:close()
end

-- Every evaluated error seen by the callback, in order, per fitter.
local seen = {}
local function collect(key)
    return function(info)
        local list = seen[key] or {}
        seen[key] = list
        for _, e in ipairs(info.errors) do list[#list + 1] = tostring(e) end
    end
end

-- On every rank: the history, the callback's view and the best agree.
local function check(fitter, key, n_points)
    local rows = fitter:results()
    assert(#rows == n_points, ("%s: %d rows, expected %d"):format(key, #rows, n_points))
    local best
    for i, row in ipairs(rows) do
        assert(tostring(row.error) == seen[key][i], key .. ": callback and history differ")
        if row.error == row.error and (not best or row.error < best) then best = row.error end
    end
    assert(best == fitter:best_error(), key .. ": best_error is not the history's lowest")
end

local function best_line(fitter)
    local parts = {}
    for _, name in ipairs(fitter.params) do
        parts[#parts + 1] = ("%s=%.17g"):format(name, mf.si(fitter:best_params()[name]))
    end
    return table.concat(parts, " ") .. (" error=%.17g\n"):format(mf.si(fitter:best_error()))
end

-- Hodgkin-Huxley (examples/hh_tutorial), 3 current steps, 400 steps.
local model = mf.read_text(here .. "/../../examples/hh_tutorial/hh.eqs")
local constants = {El = -65 * u.mV, EK = -90 * u.mV, ENa = 50 * u.mV, VT = -63 * u.mV}
local dt, n_steps = 0.01 * u.ms, 400
local steps = mf.zeros(3, n_steps)
for k, amp in ipairs({1, 3, 10}) do
    for s = 101, 300 do steps:set(k, s, amp) end
end
local input = steps * u.nA
local truth = {gl = 10 * u.nS, g_na = 20 * u.uS, g_kd = 6 * u.uS, Cm = 200 * u.pF}
local v = mf.simulate{
    model = model, constants = constants, input = {I = input}, dt = dt,
    method = "exponential_euler", param_init = {v = "El"}, params = truth, record = {"v"},
}.v
if variant == "other-data" then v = v + 1e-9 * u.mV end
local bounds = {
    gl = {1 * u.nS, 100 * u.nS}, g_na = {2 * u.uS, 200 * u.uS},
    g_kd = {0.6 * u.uS, 60 * u.uS}, Cm = {20 * u.pF, 400 * u.pF},
}

-- 1. Trace fitter, exponential Euler, 11 samples (an uneven split), DE:
-- 3 rounds, 2 more, then a restart with 2 rounds; refine.
local trace = mf.TraceFitter{
    model = model, constants = constants, input = {I = input}, output = {v = v}, dt = dt,
    n_samples = 11, method = "exponential_euler", param_init = {v = "El"},
}
local de = mf.optimizer("de", {seed = 5})
local mse = mf.metric("mse", {t_start = 1 * u.ms})
trace:fit{optimizer = de, metric = mse, n_rounds = 3, params = bounds, callback = collect("trace")}
trace:fit{n_rounds = 2, callback = collect("trace")}
check(trace, "trace", 5 * 11)
trace:save_results(out .. "/trace_continued.csv")
seen.trace = nil
trace:fit{optimizer = de, metric = mse, n_rounds = 2, params = bounds, restart = true,
          callback = collect("trace")}
check(trace, "trace", 2 * 11)
trace:save_results(out .. "/trace_restarted.csv")
local refined, info = trace:refine{max_iter = 3, callback = "none"}
local lines = {best_line(trace)}
for _, name in ipairs(trace.params) do
    lines[#lines + 1] = ("refined %s=%.17g\n"):format(name, mf.si(refined[name]))
end
lines[#lines + 1] = ("refined error=%.17g\n"):format(mf.si(info.error))

-- 2. Online trace fitter with the adaptive gsl_rkf45, random search.
local online = mf.OnlineTraceFitter{
    model = model, constants = constants, input = {I = input}, output = {v = v}, dt = dt,
    n_samples = 7, method = "gsl_rkf45", param_init = {v = "El"},
}
online:fit{optimizer = mf.optimizer("random", {seed = 3}), n_rounds = 2, params = bounds,
           callback = collect("online")}
check(online, "online", 2 * 7)
online:save_results(out .. "/online.csv")
lines[#lines + 1] = best_line(online)

-- 3. Spike fitter: a leaky integrate-and-fire neuron, gamma factor.
local lif = [[
dv/dt = (EL - v + R*I)/tau : volt (unless refractory)
R   : ohm (constant)
tau : second (constant)
]]
local current = mf.zeros(2, 2000)
for k = 1, 2 do
    for s = 1, 2000 do current:set(k, s, 0.2 + 0.1 * math.sin(s / (40 * k))) end
end
local lif_input = current * u.nA
local lif_setup = {
    model = lif, constants = {EL = -70 * u.mV}, input = {I = lif_input}, dt = 0.1 * u.ms,
    method = "exponential_euler", threshold = "v > -50*mV", reset = "v = -65*mV",
    refractory = 2 * u.ms, param_init = {v = -70 * u.mV},
}
local _, spikes = mf.simulate{
    model = lif, constants = lif_setup.constants, input = lif_setup.input, dt = lif_setup.dt,
    method = lif_setup.method, threshold = lif_setup.threshold, reset = lif_setup.reset,
    refractory = lif_setup.refractory, param_init = lif_setup.param_init,
    params = {R = 150 * u.Mohm, tau = 12 * u.ms}, record = {"v"},
}
lif_setup.output = spikes
lif_setup.n_samples = 9
local spiking = mf.SpikeFitter(lif_setup)
spiking:fit{optimizer = mf.optimizer("de", {seed = 2}), n_rounds = 3,
            params = {R = {50 * u.Mohm, 300 * u.Mohm}, tau = {5 * u.ms, 30 * u.ms}},
            callback = collect("spikes")}
check(spiking, "spikes", 3 * 9)
spiking:save_results(out .. "/spikes.csv")
lines[#lines + 1] = best_line(spiking)

write("best.txt", table.concat(lines))
print("fit_same: done")
