-- mf.simulate of a passive membrane against its analytic solution, and of
-- a leaky integrate-and-fire neuron against its analytic firing time.
--   tau dv/dt = El - v + R*I, v(0) = El, I constant from t = 0:
--   v(t) = El + R*I*(1 - exp(-t/tau)).
-- Exponential Euler is exact for this linear equation at the sample
-- points; forward Euler is off by O(dt/tau).
local mf = require "modelfit"
local u = mf.units

local model = [[
dv/dt = (El - v + R*I)/tau : volt
R : ohm (constant)
tau : second (constant)
]]
local steps, dt = 400, 0.05 * u.ms
local currents = {0.1, 0.25} -- nA, one input trace each
local input = {}
for k, i0 in ipairs(currents) do
    input[k] = {}
    for s = 1, steps do input[k][s] = i0 end
end
local El = -70 * u.mV
local R = {100 * u.Mohm, 200 * u.Mohm} -- two parameter sets
local taus = {10 * u.ms, 5 * u.ms}

local function run(method)
    return mf.simulate{
        model = model, constants = {El = El}, input = {I = mf.array(input) * u.nA},
        dt = dt, method = method, param_init = {v = "El"},
        params = {R = R, tau = taus}, record = {"v"},
    }
end

local function analytic(neuron, s)
    local trace = (neuron - 1) % #currents + 1     -- lane i: trace i % n_traces
    local set = (neuron - 1) // #currents + 1      -- parameter set i / n_traces
    local t = (s - 1) * dt                         -- column k is t = k*dt
    local rest = El.si + R[set].si * currents[trace] * 1e-9
    return rest + (El.si - rest) * math.exp(-(t / taus[set]))
end

local traces, spikes, info = run("exponential_euler")
local v = traces.v
assert(v.unit == "V", v.unit)
assert(v:rows() == 4 and v:cols() == steps, ("%d x %d"):format(v:rows(), v:cols()))
assert(info.neurons == 4 and info.steps == steps and info.method == "exponential_euler")
assert(math.abs(info.dt.si - dt.si) < 1e-20)
local worst = 0
for n = 1, 4 do
    assert(#spikes[n] == 0, "no threshold, no spikes")
    for s = 1, steps do
        worst = math.max(worst, math.abs(v[n][s].si - analytic(n, s)))
    end
end
assert(worst < 1e-12, "exponential Euler off by " .. worst .. " V")

-- Forward Euler: x_k = x_inf + (x0 - x_inf)*(1 - h/tau)^k against
-- (x0 - x_inf)*exp(-k*h/tau); to first order in h/tau the largest error is
-- |x0 - x_inf| * (h/tau) / (2e), reached at t = tau.
local ve = run("euler").v
for n = 1, 4 do
    local trace, set = (n - 1) % 2 + 1, (n - 1) // 2 + 1
    local amplitude = R[set].si * currents[trace] * 1e-9
    local predicted = amplitude * (dt / taus[set]) / (2 * math.exp(1))
    local err = 0
    for s = 1, steps do err = math.max(err, math.abs(ve[n][s].si - analytic(n, s))) end
    assert(err > 0.9 * predicted and err < 1.1 * predicted,
           ("neuron %d: euler error %g V, predicted %g V"):format(n, err, predicted))
end

-- One value for every neuron, params given as single quantities.
local one = mf.simulate{model = model, constants = {El = El},
    input = {I = mf.array({{0.1, 0.1, 0.1}}) * u.nA}, dt = dt,
    params = {R = 100 * u.Mohm, tau = 10 * u.ms}, param_init = {v = -60 * u.mV}, record = "v"}
assert(one.v:rows() == 1 and math.abs(one.v[1][1]:value_in(u.mV) + 60) < 1e-9)

-- Leaky integrate-and-fire: with R*I above threshold - El the first spike
-- comes at T = tau*ln(R*I / (R*I - (Vt - El))).
local lif = [[
dv/dt = (El - v + R*I)/tau : volt
R : ohm (constant)
tau : second (constant)
]]
local cur = {}
for s = 1, 2000 do cur[s] = 0.3 end
local lt, ls = mf.simulate{model = lif, constants = {El = El}, input = {I = mf.array({cur}) * u.nA},
    dt = 0.01 * u.ms, threshold = "v > -55*mV", reset = "v = -70*mV",
    params = {R = 100 * u.Mohm, tau = 10 * u.ms}, param_init = {v = El}, record = {"v"}}
local drive = 100e6 * 0.3e-9 -- V
local T = 10e-3 * math.log(drive / (drive - 15e-3))
assert(#ls == 1 and #ls[1] >= 2, "the LIF neuron fires")
assert(ls[1][1].unit == "s")
assert(math.abs(ls[1][1].si - T) <= 2 * 0.01e-3, ("first spike %g s, analytic %g s"):format(ls[1][1].si, T))
-- Without a refractory period every interval is the same T.
assert(math.abs((ls[1][2] - ls[1][1]).si - T) <= 2 * 0.01e-3)
assert(lt.v:max() <= -55 * u.mV + 1 * u.mV)
-- A refractory period, as a time quantity or as its expression: after a
-- spike v is held at -70 mV for 2 ms, so every interval is T + 2 ms.
for _, refr in ipairs{2 * u.ms, "2*ms"} do
    local _, rs = mf.simulate{model = "dv/dt = (El - v + R*I)/tau : volt (unless refractory)\n"
        .. "R : ohm (constant)\ntau : second (constant)\n", constants = {El = El},
        input = {I = mf.array({cur}) * u.nA}, dt = 0.01 * u.ms, threshold = "v > -55*mV",
        reset = "v = -70*mV", refractory = refr, params = {R = 100 * u.Mohm, tau = 10 * u.ms},
        param_init = {v = El}}
    local interval = (rs[1][2] - rs[1][1]).si
    assert(math.abs(interval - (T + 2e-3)) <= 2 * 0.01e-3,
           ("refractory %s: interval %g s, expected %g s"):format(tostring(refr), interval, T + 2e-3))
end

local function fails(f, ...)
    local ok, msg = pcall(f)
    assert(not ok, "expected an error")
    for _, want in ipairs({...}) do
        assert(msg:find(want, 1, true), "message '" .. msg .. "' lacks '" .. want .. "'")
    end
end
fails(function()
    mf.simulate{model = model, constants = {El = El}, dt = dt,
        params = {R = 100 * u.mV, tau = 10 * u.ms}}
end, "params.R", "ohm")
fails(function() mf.simulate{model = model, params = {R = 1 * u.ohm}} end, "dt")
fails(function() mf.simulate{model = model, dt = dt, metod = "euler"} end, "metod")
fails(function()
    mf.simulate{model = model, constants = {El = El}, dt = dt, method = "nope",
        input = {I = mf.array({{0.1}}) * u.nA},
        params = {R = 100 * u.Mohm, tau = 10 * u.ms}, record = "v"}
end, "nope")
fails(function() mf.simulate{model = "dv/dt = : volt", dt = dt} end, "model:1:")
fails(function() mf.simulate{model = model, dt = dt, refractory = 2 * u.mV} end,
      "mf.simulate: refractory must have unit s")
fails(function() mf.simulate{model = model, dt = dt, constants = {1 * u.mV}} end,
      "mf.simulate: constants: expected name = value entries, found a number key")
fails(function() mf.simulate{model = model, dt = dt, param_init = {v = {}}} end,
      "mf.simulate: param_init.v must be a quantity")
-- A bad quantity string names the field (and the element) it came from.
fails(function() mf.simulate{model = model, dt = dt, constants = {El = "x"}} end,
      [[mf.simulate: constants.El: "x": unknown name 'x']])
fails(function() mf.simulate{model = model, dt = "0.1*mss"} end,
      [[mf.simulate: dt: "0.1*mss" at column 5: unknown name 'mss']])
fails(function()
    mf.simulate{model = model, constants = {El = El}, dt = dt,
        params = {R = {"1*Mohm", "2*Mohms"}, tau = 10 * u.ms}, record = "v"}
end, [[mf.simulate: params.R: element [1][2]: "2*Mohms" at column 3: unknown name 'Mohms']])
print("simulate: ok")
