-- The Hodgkin-Huxley tutorial of brian2modelfitting, self-contained: make
-- the "recordings" with modelfit itself (the model of hh.eqs at known
-- conductances and capacitance, on the tutorial's five current steps, plus
-- Gaussian noise of sd 1 mV from a fixed seed), then fit gl, g_na, g_kd and
-- Cm back with differential evolution and a least-squares refine.
--
-- Usage: modelfit run examples/hh_tutorial/fit.lua [PLOT [ROUNDS]]
--   PLOT    the figure to write (default fit.png in the current directory)
--   ROUNDS  rounds of differential evolution (default 40)
local mf = require "modelfit"
local u = mf.units

local here = arg[0]:match("^(.*)[/\\]") or "."
local plot_file = arg[1] or "fit.png"
local n_rounds = math.tointeger(tonumber(arg[2] or "40"))
assert(n_rounds and n_rounds >= 1, "ROUNDS must be a positive integer")

-- The experiment: 5 traces of 1497 samples at dt = 0.01 ms. Each trace is a
-- current step from sample 499 (t = 4.99 ms) to sample 997 included, except
-- the third, whose step starts at t = 0 (as in the tutorial's recordings).
local dt = 0.01 * u.ms
local n_steps = 1497
local amplitudes = {10, 2, 2, 50, 0.2} -- nA
local first = {500, 500, 1, 500, 500}  -- 1-based: sample 499 is column 500
local last = 998
local steps = mf.zeros(#amplitudes, n_steps)
for k, amp in ipairs(amplitudes) do
    for s = first[k], last do steps:set(k, s, amp) end
end
local input = steps * u.nA

local constants = {El = -65 * u.mV, EK = -90 * u.mV, ENa = 50 * u.mV, VT = -63 * u.mV}
local model = mf.read_text(here .. "/hh.eqs")
local truth = {gl = 10 * u.nS, g_na = 20 * u.uS, g_kd = 6 * u.uS, Cm = 200 * u.pF}

local traces = mf.simulate{
    model = model, constants = constants, input = {I = input}, dt = dt,
    method = "exponential_euler", param_init = {v = "El"}, params = truth, record = {"v"},
}
local clean = traces.v

-- Gaussian noise, sd 1 mV: Box-Muller on Lua's own generator (xoshiro256**
-- in Lua 5.4), seeded, so every run sees the same "recording".
math.randomseed(20240229)
local noise = mf.zeros(clean:rows(), clean:cols())
for k = 1, noise:rows() do
    for s = 1, noise:cols() do
        local r = math.sqrt(-2 * math.log(1 - math.random()))
        noise:set(k, s, r * math.cos(2 * math.pi * math.random()))
    end
end
local recorded = clean + noise * u.mV

-- The noise floor: the MSE of the recording against the noise-free truth,
-- counted from t = 5 ms (column 501) as the fit's metric counts it.
local t_start = 5 * u.ms
local first_counted = math.floor(t_start / dt + 0.5) + 1
local sum, count = 0, 0
for k = 1, noise:rows() do
    for s = first_counted, noise:cols() do
        sum = sum + noise:get(k, s) ^ 2
        count = count + 1
    end
end
local floor = sum / count -- mV^2

local fitter = mf.TraceFitter{
    model = model, constants = constants,
    input = {I = input}, output = {v = recorded}, dt = dt,
    n_samples = 30, method = "exponential_euler", param_init = {v = "El"},
}
local bounds = {
    gl = {1 * u.nS, 100 * u.nS}, g_na = {2 * u.uS, 200 * u.uS},
    g_kd = {0.6 * u.uS, 60 * u.uS}, Cm = {20 * u.pF, 400 * u.pF},
}

local clock = os.clock()
print(("Fitting %s to 5 noisy traces: DE, 30 samples x %d rounds, then refine"):format(
    table.concat(fitter.params, ", "), n_rounds))
local best, best_error = fitter:fit{
    optimizer = mf.optimizer("de", {seed = 7}),
    metric = mf.metric("mse", {t_start = t_start}),
    n_rounds = n_rounds, callback = "progressbar", params = bounds,
}
local refined, info = fitter:refine{callback = "none"}
local seconds = os.clock() - clock

local function relative(x, ref) return 100 * (x / ref - 1) end
print()
print(("%-6s %14s %14s %14s %9s"):format("param", "truth", "DE", "refined", "error"))
for _, name in ipairs(fitter.params) do
    print(("%-6s %14s %14s %14s %+8.2f%%  (+- %s)"):format(name, tostring(truth[name]),
        tostring(best[name]), tostring(refined[name]), relative(refined[name], truth[name]),
        tostring(info.uncertainty[name])))
end
print()
print(("MSE after DE      %.4f mV^2"):format(best_error / u.mV ^ 2))
print(("MSE after refine  %.4f mV^2"):format(info.error / u.mV ^ 2))
print(("noise floor       %.4f mV^2  (the recording vs the noise-free truth)"):format(floor))
print(("refined / floor   %.4f"):format(info.error / u.mV ^ 2 / floor))
print(("CPU time %.1f s"):format(seconds))

fitter:plot(plot_file, {params = refined})
print("wrote " .. plot_file)
