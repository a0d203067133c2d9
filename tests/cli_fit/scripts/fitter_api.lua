-- The fitter binding (host/lua_fitter.c) on a problem with an exact
-- answer: a leaky membrane dv/dt = (El - v + R*I)/tau driven by constant
-- currents relaxes as v(t) = Vinf + (v0 - Vinf) exp(-t/tau), Vinf = El + R*I,
-- which exponential Euler reproduces exactly (the ODE is linear and the
-- input constant). The targets are that formula evaluated in Lua, so every
-- check compares the library with an independent truth.
-- Usage: modelfit run fitter_api.lua WORK_DIR
local mf = require "modelfit"
local u = mf.units
local work = assert(arg[1], "usage: fitter_api.lua WORK_DIR")

local model = [[
dv/dt = (El - v + R*I)/tau : volt
El : volt (constant)
tau : second (constant)
]]
local dt, n_steps = 0.1 * u.ms, 200
local currents = {0, 0.1, -0.05} -- nA
local R = 100 * u.Mohm
local truth = {El = -70 * u.mV, tau = 10 * u.ms}

-- v(t) for given El, tau, start v0 and each current, as an array.
local function relaxation(El, tau, v0)
    local a = mf.zeros(#currents, n_steps, u.volt)
    for k, I in ipairs(currents) do
        local vinf = El + R * (I * u.nA)
        for s = 1, n_steps do
            a:set(k, s, vinf + (v0 - vinf) * math.exp(-((s - 1) * dt) / tau))
        end
    end
    return a
end
local input = mf.zeros(#currents, n_steps)
for k, I in ipairs(currents) do
    for s = 1, n_steps do input:set(k, s, I) end
end
input = input * u.nA
local target = relaxation(truth.El, truth.tau, -60 * u.mV)

local function new_fitter(extra)
    local args = {
        model = model, constants = {R = R}, input = {I = input}, output = {v = target},
        dt = dt, n_samples = 20, method = "exponential_euler", param_init = {v = -60 * u.mV},
    }
    for k, v in pairs(extra or {}) do args[k] = v end
    return mf.TraceFitter(args)
end
local bounds = {El = {-90 * u.mV, -50 * u.mV}, tau = {1 * u.ms, 50 * u.ms}}
local function close(a, b, rel) return math.abs(a / b - 1) <= rel end
local function fails(pattern, f, ...)
    local ok, msg = pcall(f, ...)
    assert(not ok, "expected an error matching '" .. pattern .. "'")
    assert(tostring(msg):find(pattern, 1, true), "unexpected message: " .. tostring(msg))
    return msg
end

-- ---- construction and fields ------------------------------------------------
local fitter = new_fitter()
assert(fitter.kind == "TraceFitter" and fitter.n_traces == 3 and fitter.n_steps == n_steps)
assert(fitter.n_samples == 20 and fitter.dt == dt)
assert(#fitter.params == 2 and fitter.params[1] == "El" and fitter.params[2] == "tau")
assert(fitter.outputs[1] == "v")
assert(fitter:best_params() == nil and fitter:best_error() == nil, "no best before a fit")
fails("unknown field 'n_sample'", new_fitter, {n_sample = 3})
fails("valid: model, input, output", new_fitter, {n_sample = 3})
fails("has no field 'foo'", function() return fitter.foo end)

-- ---- fit ------------------------------------------------------------------------
local opt, metric = mf.optimizer("de", {seed = 11}), mf.metric("mse")
local seen = {}
local best, err = fitter:fit{
    optimizer = opt, metric = metric, n_rounds = 12, params = bounds,
    callback = function(info)
        seen[#seen + 1] = info.round
        assert(info.n_rounds == 12 and #info.params == 20 and #info.errors == 20)
        assert(info.best_error <= info.errors[1] or info.errors[1] ~= info.errors[1])
    end,
}
assert(#seen == 12 and seen[1] == 1 and seen[12] == 12, "the callback sees rounds 1..12")
assert(err.unit == "V^2" and err >= 0 * u.volt ^ 2)
assert(best.El.unit == "V" and best.tau.unit == "s")
assert(best.El == fitter:best_params().El and err == fitter:best_error())

-- results(): a row per evaluated point; the smallest error is the best.
local rows = fitter:results()
assert(#rows == 12 * 20, "#rows " .. #rows)
local min_row
for i, r in ipairs(rows) do
    assert(r.round == (i - 1) // 20 + 1)
    assert(r.El.unit == "V" and r.tau.unit == "s" and r.error.unit == "V^2")
    if r.error == r.error and (not min_row or r.error < min_row.error) then min_row = r end
end
assert(min_row.error == err and min_row.El == best.El and min_row.tau == best.tau)
-- The error of a row, recomputed in Lua from the analytic relaxation.
local function mse_of(El, tau)
    local model_v, sum = relaxation(El, tau, -60 * u.mV), 0
    for k = 1, #currents do
        for s = 1, n_steps do
            sum = sum + ((model_v:get(k, s) - target:get(k, s)) / u.volt) ^ 2
        end
    end
    return sum / (#currents * n_steps) * u.volt ^ 2
end
for _, i in ipairs({1, 77, 240}) do
    local r = rows[i]
    assert(close(r.error, mse_of(r.El, r.tau), 1e-6), "row " .. i .. " error")
end
-- format = "dict": columns as 1 x n arrays with units.
local cols = fitter:results{format = "dict"}
assert(cols.El:cols() == 240 and cols.error:cols() == 240 and cols.round:get(1, 240) == 12)
assert(cols.tau:get(1, 77) == rows[77].tau and cols.error:get(1, 5) == rows[5].error)
fails("unknown format 'table'", fitter.results, fitter, {format = "table"})

-- A second fit continues: same optimizer and metric, more rounds.
fitter:fit{n_rounds = 3, callback = "none"}
rows = fitter:results()
assert(#rows == 15 * 20 and rows[#rows].round == 15)
assert(fitter:best_error() <= err)
-- Changing the optimizer without restart is refused, and nothing is lost.
local opt2 = mf.optimizer("random", {seed = 2})
fails("cannot change between fits", fitter.fit, fitter, {optimizer = opt2, callback = "none"})
assert(#fitter:results() == 300)
-- With restart it works and the history starts over.
fitter:fit{optimizer = opt2, restart = true, n_rounds = 2, callback = "none", params = bounds}
assert(#fitter:results() == 40 and fitter:results()[1].round == 1)

-- ---- refine: exact data, so the refined parameters are the truth -------------------
fitter:fit{optimizer = mf.optimizer("de", {seed = 5}), restart = true, n_rounds = 10,
           callback = "none", params = bounds}
local de_error = fitter:best_error()
local iterations = 0
local refined, info = fitter:refine{callback = function(i) iterations = i.iteration end}
assert(iterations >= 1, "the refine callback ran")
assert(close(refined.El, truth.El, 1e-6) and close(refined.tau, truth.tau, 1e-6),
       ("refined El %s tau %s"):format(tostring(refined.El), tostring(refined.tau)))
assert(info.error < de_error and info.error < 1e-12 * u.mV ^ 2)
assert(info.uncertainty.El.unit == "V" and info.uncertainty.tau.unit == "s")
assert(type(info.covariance.El.tau / (u.volt * u.second)) == "number", "cov(El, tau) in V*s")
assert(type(info.covariance.tau.tau / u.second ^ 2) == "number")
assert(fitter:best_error() == de_error, "refine leaves the fit's best alone")
-- From given parameters.
local r2 = fitter:refine{params = {El = -60 * u.mV, tau = 20 * u.ms}, callback = "none"}
assert(close(r2.El, truth.El, 1e-6) and close(r2.tau, truth.tau, 1e-6))
-- Exact gradients (sensitivity equations) reach the same point.
local r3 = fitter:refine{params = {El = -60 * u.mV, tau = 20 * u.ms}, calc_gradient = true,
                         callback = "none"}
assert(close(r3.El, truth.El, 1e-6) and close(r3.tau, truth.tau, 1e-6), "calc_gradient")
fails("no value for 'tau'", fitter.refine, fitter, {params = {El = -60 * u.mV}})
fails("'gL' is not a fitted parameter", fitter.refine, fitter,
      {params = {El = -60 * u.mV, tau = 20 * u.ms, gL = 1}})

-- ---- generate -------------------------------------------------------------------
local v = fitter:generate{params = truth}
assert(v:rows() == 3 and v:cols() == n_steps and v.unit == "V")
-- A list of one name gives that one array, as brian2modelfitting does.
local from65 = fitter:generate{params = truth, param_init = {v = -65 * u.mV}, output_var = {"v"}}
local want65 = relaxation(truth.El, truth.tau, -65 * u.mV)
for k = 1, 3 do
    for _, s in ipairs({1, 2, 50, n_steps}) do
        assert(math.abs((v:get(k, s) - target:get(k, s)) / u.volt) < 1e-12)
        assert(math.abs((from65:get(k, s) - want65:get(k, s)) / u.volt) < 1e-12)
    end
end
fails("no threshold", fitter.generate, fitter, {output_var = "spikes"})

-- ---- save_results and plot ------------------------------------------------------
fitter:save_results(work .. "/results.csv")
fitter:save_results(work .. "/results.json")
local csv = assert(io.open(work .. "/results.csv")):read("a")
local n_lines = select(2, csv:gsub("\n", ""))
assert(n_lines == 1 + #fitter:results(), "CSV lines " .. n_lines)
assert(csv:find("El (V)", 1, true) and csv:find("tau (s)", 1, true))
-- One round numbering everywhere (from 1): the CSV's round column is
-- results()' round, row by row, and so is the JSON's.
local table_csv = mf.read_csv(work .. "/results.csv")
local rows_now = fitter:results()
assert(table_csv:rows() == #rows_now)
for i, r in ipairs(rows_now) do
    assert(table_csv:get(i, 1) == r.round, ("row %d: CSV round %g, results() %d"):format(
        i, table_csv:get(i, 1), r.round))
end
assert(rows_now[1].round == 1 and table_csv:get(1, 1) == 1)
local json = assert(io.open(work .. "/results.json")):read("a")
assert(json:find('"history"', 1, true) and json:find('"best"', 1, true))
assert(json:find('{"round": 1, ', 1, true) and not json:find('"round": 0', 1, true))
fails("must end in .csv or .json", fitter.save_results, fitter, work .. "/results.txt")
fitter:plot(work .. "/fit.svg", {params = refined, title = "relaxation"})
local svg = assert(io.open(work .. "/fit.svg")):read("a")
assert(#svg > 1000 and svg:find("<svg", 1, true))

-- ---- a failing fit keeps what it gathered ----------------------------------------
local broken = new_fitter()
local msg = fails("boom in round 3", broken.fit, broken, {
    optimizer = mf.optimizer("de", {seed = 1}), n_rounds = 10, params = bounds,
    callback = function(info) if info.round == 3 then error("boom in round " .. info.round) end end,
})
assert(msg:find("fitter_api.lua:%d+: boom"), "the message names the script's line: " .. msg)
assert(#broken:results() == 3 * 20, "the rounds done stay: " .. #broken:results())
assert(broken:best_params() ~= nil and broken:best_error() ~= nil)
-- A callback may stop the fit by returning true.
broken:fit{restart = true, n_rounds = 10, params = bounds, callback = function(i) return i.round == 2 end}
assert(#broken:results() == 40 and broken.stop_reason ~= nil)
-- A callback may read the fitter but not run it again.
fails("cannot run inside a callback", broken.fit, broken, {n_rounds = 1, callback = function()
    broken:fit{n_rounds = 1, callback = "none"}
end})
-- Unknown keys and bad values in fit{}.
fails("fitter:fit: unknown field 'n_round' (valid: optimizer, metric", broken.fit, broken,
      {n_round = 3})
fails("params.tau must have", new_fitter().fit, new_fitter(), {optimizer = opt, callback = "none",
      params = {El = bounds.El, tau = {1 * u.mV, 2 * u.mV}}})
fails("callback must be", broken.fit, broken, {callback = "fancy"})
fails("fitter:fit: params: expected name = value entries, found a number key", broken.fit,
      broken, {params = {bounds.El}, callback = "none"})
fails("fitter:fit: params must be a table of name = value entries, not a string", broken.fit,
      broken, {params = "El", callback = "none"})
fails("fitter:generate: param_init: expected name = value entries, found a number key",
      fitter.generate, fitter, {param_init = {-65 * u.mV}})
fails("fitter:generate: param_init must be a table of name = value entries, not a number",
      fitter.generate, fitter, {param_init = 3})
-- A bad quantity string names the field it came from.
fails([[mf.TraceFitter: constants.R: "100*Mohms" at column 5: unknown name 'Mohms']], new_fitter,
      {constants = {R = "100*Mohms"}})
fails([[fitter:fit: params.El: "x": unknown name 'x']], broken.fit, broken,
      {params = {El = {"x", -50 * u.mV}, tau = bounds.tau}, callback = "none"})

-- ---- the online trace fitter: its error is the MSE computed in Lua ------------------
local online = mf.OnlineTraceFitter{
    model = model, constants = {R = R}, input = {I = input}, output = {v = target}, dt = dt,
    n_samples = 10, method = "exponential_euler", param_init = {v = -60 * u.mV},
}
local obest, oerr = online:fit{optimizer = mf.optimizer("de", {seed = 4}), n_rounds = 3,
                               params = bounds, callback = "none"}
assert(online.kind == "OnlineTraceFitter")
assert(close(oerr, mse_of(obest.El, obest.tau), 1e-6), "online error vs Lua's MSE")

-- ---- two outputs, a metric each: the errors add up -----------------------------------
local w_target = mf.zeros(#currents, n_steps, u.volt) -- w(t) = b (1 - exp(-t/tau)), b = -80 mV
for k = 1, #currents do
    for s = 1, n_steps do
        w_target:set(k, s, -80 * u.mV * (1 - math.exp(-((s - 1) * dt) / (10 * u.ms))))
    end
end
local two = mf.TraceFitter{
    model = [[
dv/dt = (a - v + R*I)/tau : volt
dw/dt = (b - w)/tau : volt
a : volt (constant)
b : volt (constant)
]],
    constants = {R = R, tau = 10 * u.ms}, input = {I = input},
    output = {w = w_target, v = target},
    dt = dt, n_samples = 10, param_init = {v = -60 * u.mV, w = 0 * u.mV},
}
assert(two.outputs[1] == "v" and two.outputs[2] == "w", "outputs in name order")
fails("the same metric instance", two.fit, two, {optimizer = opt, metric = mf.metric("mse"),
      params = {a = bounds.El, b = bounds.El}, callback = "none"})
fails("metric.x: not an output", two.fit, two, {optimizer = opt, metric = {x = mf.metric("mse")},
      params = {a = bounds.El, b = bounds.El}, callback = "none"})
two:fit{optimizer = mf.optimizer("de", {seed = 9}), n_rounds = 2, callback = "none",
        metric = {v = mf.metric("mse"), w = mf.metric("mse")},
        params = {a = bounds.El, b = bounds.El}}
local row = two:results()[7]
assert(close(row.objective_errors.v + row.objective_errors.w, row.error, 1e-12))
local cols2 = two:results{format = "dict"}
assert(cols2.objective_errors.w:get(1, 7) == row.objective_errors.w)
local both = two:generate{params = {a = -70 * u.mV, b = -80 * u.mV}, output_var = {"v", "w"}}
assert(both.v.unit == "V" and both.w.unit == "V")
assert(math.abs((both.v:get(2, 100) - target:get(2, 100)) / u.volt) < 1e-12)
local ab = two:refine{callback = "none"}
assert(close(ab.a, -70 * u.mV, 1e-6) and close(ab.b, -80 * u.mV, 1e-6), "refined a and b")
two:plot(work .. "/two.png", {output = "w", params = ab})
fails("'x' is not a traced output", two.plot, two, work .. "/x.png", {output = "x"})

-- ---- the spike fitter: spikes of a LIF neuron under constant currents -----------------
local lif = [[
dv/dt = (EL - v + R*I)/tau : volt (unless refractory)
tau : second (constant)
]]
local spike_input = mf.zeros(2, 2000)
for k, I in ipairs({0.25, 0.3}) do for s = 1, 2000 do spike_input:set(k, s, I) end end
spike_input = spike_input * u.nA
local lif_args = {model = lif, constants = {EL = -70 * u.mV, R = R}, input = {I = spike_input},
                  dt = dt, threshold = "v > -50*mV", reset = "v = -70*mV", refractory = 2 * u.ms,
                  param_init = {v = -70 * u.mV}}
local _, lif_spikes = mf.simulate{model = lif, constants = lif_args.constants,
    input = {I = spike_input}, dt = dt, threshold = lif_args.threshold, reset = lif_args.reset,
    refractory = lif_args.refractory, param_init = lif_args.param_init,
    params = {tau = 10 * u.ms}, record = {"v"}}
lif_args.output = lif_spikes
lif_args.n_samples = 10
local sf = mf.SpikeFitter(lif_args)
assert(sf.kind == "SpikeFitter")
-- The first fit's default metric is gamma with delta = 2 ms.
local sbest, serr = sf:fit{optimizer = mf.optimizer("de", {seed = 1}), n_rounds = 6,
                           callback = "none", params = {tau = {2 * u.ms, 40 * u.ms}}}
assert(type(serr) == "number" and serr >= 0, "a gamma error is a number")
-- The targets against the analytic LIF: from -70 mV towards Vinf = EL + R*I
-- the threshold -50 mV is reached after tau*ln((Vinf + 70 mV)/(Vinf + 50 mV)),
-- then 2 ms of refractoriness and the same again (times on the dt grid).
for k, I in ipairs({0.25, 0.3}) do
    local vinf = -70 * u.mV + R * (I * u.nA)
    local t1 = 10 * u.ms * math.log((vinf + 70 * u.mV) / (vinf + 50 * u.mV))
    local train = lif_spikes[k]
    assert(math.abs((train[1] - t1) / dt) <= 1.5, ("trace %d: first spike %s, analytic %s"):format(
        k, tostring(train[1]), tostring(t1)))
    for i = 2, #train do
        local gap = train[i] - train[i - 1]
        assert(math.abs((gap - t1 - 2 * u.ms) / dt) <= 1.5, "trace " .. k .. ": interval " .. gap)
    end
end
-- The fit finds the tau that made the targets: within 2% every spike of
-- the ~200 ms trains stays inside gamma's 2 ms window (the period moves by
-- ln 5 = 1.6 times tau's change), so the error is near 0.
assert(close(sbest.tau, 10 * u.ms, 0.02), "the spike fit's tau " .. tostring(sbest.tau))
assert(serr < 0.1, "the spike fit's gamma error " .. serr)
local gen = sf:generate{params = {tau = 10 * u.ms}, output_var = {"v", "spikes"}}
assert(gen.v:rows() == 2 and #gen.spikes == 2)
for k = 1, 2 do
    assert(#gen.spikes[k] == #lif_spikes[k] and #gen.spikes[k] > 3, "spikes of trace " .. k)
    for i, t in ipairs(gen.spikes[k]) do assert(t == lif_spikes[k][i]) end
end
assert(#sf:generate{} == 2, "the default output of a spike fitter is its spikes")
sf:plot(work .. "/spikes.svg")
fails("no traced output", sf.plot, sf, work .. "/spikes.svg", {output = "v"})
fails("the spike fitter cannot refine", sf.refine, sf, {callback = "none"})

print(("fitter_api: ok (DE %s, refined El = %s, tau = %s in %d iterations)"):format(
    tostring(de_error), tostring(refined.El), tostring(refined.tau), iterations))
