-- Spike fitting with the gamma factor (brian2modelfitting's SpikeFitter):
-- a leaky integrate-and-fire neuron with a refractory period, driven by
-- fluctuating currents. The "recorded" spike trains are made by modelfit
-- itself from a ground truth (R = 150 Mohm, tau = 12 ms) with mf.simulate;
-- then R and tau are fitted back from the spike times alone.
--
-- Usage: modelfit run examples/lif_spikes/fit.lua [ROUNDS]
local mf = require "modelfit"
local u = mf.units

local n_rounds = math.tointeger(tonumber(arg[1] or "25"))
assert(n_rounds and n_rounds >= 1, "ROUNDS must be a positive integer")

local model = [[
dv/dt = (EL - v + R*I)/tau : volt (unless refractory)
R   : ohm (constant)
tau : second (constant)
]]
local constants = {EL = -70 * u.mV}
local threshold, reset, refractory = "v > -50*mV", "v = -65*mV", 2 * u.ms
local dt, n_steps, n_traces = 0.1 * u.ms, 5000, 3 -- 0.5 s per trace

-- The input: an Ornstein-Uhlenbeck current (mean 0.15 nA, sd 0.1 nA,
-- correlation time 5 ms) per trace, from a seeded generator so every run
-- sees the same experiment.
math.randomseed(12345)
local function normal()
    return math.sqrt(-2 * math.log(1 - math.random())) * math.cos(2 * math.pi * math.random())
end
local current = mf.zeros(n_traces, n_steps)
local decay = math.exp(-(dt / (5 * u.ms)))
for k = 1, n_traces do
    local x = 0
    for s = 1, n_steps do
        x = x * decay + math.sqrt(1 - decay ^ 2) * normal()
        current:set(k, s, 0.15 + 0.1 * x)
    end
end
local input = current * u.nA

local truth = {R = 150 * u.Mohm, tau = 12 * u.ms}
local _, target_spikes = mf.simulate{
    model = model, constants = constants, input = {I = input}, dt = dt,
    method = "exponential_euler", threshold = threshold, reset = reset,
    refractory = refractory, param_init = {v = -70 * u.mV}, params = truth, record = {"v"},
}
local n_spikes = 0
for _, train in ipairs(target_spikes) do n_spikes = n_spikes + #train end
print(("target: %d spikes in %d traces of %s"):format(n_spikes, n_traces,
    tostring(n_steps * dt)))

local fitter = mf.SpikeFitter{
    model = model, constants = constants, input = {I = input}, output = target_spikes,
    dt = dt, n_samples = 30, method = "exponential_euler", threshold = threshold,
    reset = reset, refractory = refractory, param_init = {v = -70 * u.mV},
}
local best, err = fitter:fit{
    optimizer = mf.optimizer("de", {seed = 2}),
    metric = mf.metric("gamma", {delta = 2 * u.ms}),
    n_rounds = n_rounds, callback = "progressbar",
    params = {R = {50 * u.Mohm, 500 * u.Mohm}, tau = {2 * u.ms, 50 * u.ms}},
}
print()
print(("%-4s %12s %12s %9s"):format("", "truth", "fitted", "error"))
for _, name in ipairs(fitter.params) do
    print(("%-4s %12s %12s %+8.2f%%"):format(name, tostring(truth[name]), tostring(best[name]),
        100 * (best[name] / truth[name] - 1)))
end
print(("gamma error %.4f (0 is a perfect match)"):format(err))

-- The fitted model's spikes against the targets, trace by trace.
local spikes = fitter:generate{output_var = "spikes"}
for k = 1, n_traces do
    print(("trace %d: %d target spikes, %d fitted"):format(k, #target_spikes[k], #spikes[k]))
end
