-- mf.simulate of the HH tutorial model (../shared/models/hh_tutorial.eqs)
-- at the true parameters on the tutorial's input: the recorded output is
-- that simulation plus Gaussian noise of sd 1 mV (refdata/README.md), so
-- the MSE counted from t = 5 ms must be the noise's variance, 1 mV^2
-- (the README's 0.99 for this noise sample; 5 x 997 samples give a
-- standard error of about 0.02 mV^2).
-- Usage: modelfit run simulate_hh_tutorial.lua SHARED_DIR (exit 77 if absent)
local mf = require "modelfit"
local u = mf.units
local shared = assert(arg[1], "usage: simulate_hh_tutorial.lua SHARED_DIR")
local dir = shared .. "/refdata/hh_tutorial/"
local probe = io.open(dir .. "output_traces_hh.csv")
if not probe then
    io.stderr:write("skipped: ", dir, " is absent\n")
    os.exit(77)
end
probe:close()

local input = mf.read_csv(dir .. "input_traces_hh.csv") * u.amp
local output = mf.read_csv(dir .. "output_traces_hh.csv") * u.mV
local traces, spikes, info = mf.simulate{
    model = mf.read_text(shared .. "/models/hh_tutorial.eqs"),
    constants = {El = -65 * u.mV, EK = -90 * u.mV, ENa = 50 * u.mV, VT = -63 * u.mV},
    input = {I = input}, dt = 0.01 * u.ms, method = "exponential_euler",
    param_init = {v = "El"},
    params = {gl = 10 * u.nS, g_na = 20 * u.uS, g_kd = 6 * u.uS, Cm = 200 * u.pfarad},
    record = {"v"},
}
local v = traces.v
assert(v:rows() == 5 and v:cols() == 1497 and info.method == "exponential_euler")
assert(#spikes == 5 and #spikes[1] == 0, "no threshold: no spikes")
local sum, n = 0, 0
for k = 1, 5 do
    local model_row, data_row = v[k], output[k]
    for s = 501, 1497 do -- t >= 5 ms
        local d = (model_row[s] - data_row[s]):value_in(u.mV)
        sum = sum + d * d
        n = n + 1
    end
end
local mse = sum / n
print(("simulate_hh_tutorial: MSE at the true parameters %.4f mV^2"):format(mse))
assert(mse > 0.9 and mse < 1.1, "MSE " .. mse .. " mV^2 is not the noise floor")
