-- `modelfit run` on the real HH tutorial recordings (../shared/refdata/
-- hh_tutorial, pandas CSV; the model of ../shared/models/hh_tutorial.eqs,
-- v starting at El = -65 mV as the recordings did): DE with 30 samples,
-- then refine, must reach an MSE (from t = 5 ms) within 3% of the 0.99 mV^2
-- noise floor the data's README gives, and recover the generating values
-- (10 nS, 20 uS, 6 uS, 200 pF) within 5%.
-- Usage: modelfit run hh_tutorial_data.lua SHARED_DIR (exit 77 if absent)
local mf = require "modelfit"
local u = mf.units
local shared = assert(arg[1], "usage: hh_tutorial_data.lua SHARED_DIR")
local dir = shared .. "/refdata/hh_tutorial/"
local probe = io.open(dir .. "output_traces_hh.csv")
if not probe then
    io.stderr:write("skipped: ", dir, " is absent\n")
    os.exit(77)
end
probe:close()

local fitter = mf.TraceFitter{
    model = mf.read_text(shared .. "/models/hh_tutorial.eqs"),
    constants = {El = -65 * u.mV, EK = -90 * u.mV, ENa = 50 * u.mV, VT = -63 * u.mV},
    input = {I = mf.read_csv(dir .. "input_traces_hh.csv") * u.amp},
    output = {v = mf.read_csv(dir .. "output_traces_hh.csv") * u.mV},
    dt = 0.01 * u.ms, n_samples = 30, method = "exponential_euler",
    param_init = {v = "El"},
}
local best, err = fitter:fit{
    optimizer = mf.optimizer("de", {seed = 3}),
    metric = mf.metric("mse", {t_start = 5 * u.ms}),
    n_rounds = 20, callback = "none",
    params = {gl = {1e-9 * u.siemens, 1e-7 * u.siemens},
              g_na = {2e-6 * u.siemens, 2e-4 * u.siemens},
              g_kd = {6e-7 * u.siemens, 6e-5 * u.siemens},
              Cm = {20 * u.pF, 400 * u.pF}},
}
local refined, info = fitter:refine{callback = "none"}
local mse = info.error / u.mV ^ 2
print(("hh_tutorial_data: DE %.3f mV^2, refined %.4f mV^2 (floor 0.99)"):format(
    err / u.mV ^ 2, mse))
local truth = {gl = 10 * u.nS, g_na = 20 * u.uS, g_kd = 6 * u.uS, Cm = 200 * u.pF}
for name, value in pairs(truth) do
    local rel = refined[name] / value - 1
    print(("  %-5s %s (%+.2f%%)"):format(name, tostring(refined[name]), 100 * rel))
    assert(math.abs(rel) < 0.05, name .. " is not within 5% of " .. tostring(value))
end
assert(mse == mse and math.abs(mse / 0.99 - 1) < 0.03,
       ("MSE %.4f mV^2 is not within 3%% of the 0.99 mV^2 noise floor"):format(mse))
