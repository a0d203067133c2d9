-- mf.set_backend / mf.backend: the context's backend for every later
-- simulation and fit. The interpreter and native kernels give the same
-- HH-like traces (an exponential of v in the rates, so rounding would
-- show); a wrong name is an error naming the valid ones and changes
-- nothing. Native falls back to the interpreter without a compiler; the
-- driver check_backend.sh makes sure it did not (a kernel must appear in
-- an empty cache), so interp is compared with native, not with itself.
local mf = require "modelfit"
local u = mf.units

assert(mf.backend() == "auto", mf.backend())

local model = [[
dv/dt = (gl*(El - v) + gna*m*(ENa - v) + I)/C : volt
dm/dt = (minf - m)/tau_m : 1
minf = 1/(1 + exp(-(v - Vh)/(5*mV))) : 1
gl : siemens (constant)
gna : siemens (constant)
C : farad (constant)
]]
local steps = 2000
local input = {}
for k = 1, 2 do
    input[k] = {}
    for s = 1, steps do input[k][s] = (s > 100) and 0.2 * k or 0 end
end

local function run()
    local traces = mf.simulate{
        model = model, dt = 0.02 * u.ms, method = "exponential_euler",
        constants = {El = -70 * u.mV, ENa = 50 * u.mV, Vh = -50 * u.mV, tau_m = 1 * u.ms},
        input = {I = mf.array(input) * u.nA}, param_init = {v = "El"},
        params = {gl = {10 * u.nS, 10 * u.nS}, gna = {5 * u.nS, 20 * u.nS},
                  C = {0.2 * u.nF, 0.2 * u.nF}},
        record = {"v", "m"},
    }
    return traces
end

mf.set_backend("interp")
assert(mf.backend() == "interp")
local a = run()
mf.set_backend("native")
assert(mf.backend() == "native")
local b = run()

local worst, moved = 0, 0
for _, name in ipairs{"v", "m"} do
    local x, y = a[name], b[name]
    assert(x:rows() == 4 and y:rows() == 4 and x:cols() == steps)
    for n = 1, 4 do
        for s = 1, steps do
            local p, q = x[n][s], y[n][s]
            if name == "v" then p, q = p.si, q.si end
            if name == "v" and s == steps then moved = math.max(moved, math.abs(p - x[n][1].si)) end
            local d = math.abs(p - q) / math.max(math.abs(p), math.abs(q), 1e-300)
            if d > worst then worst = d end
        end
    end
end
assert(moved > 1e-3, "the traces moved") -- v rises by mV: the run is not trivial
assert(worst < 1e-12, "native and interp differ by " .. worst)

local ok, err = pcall(mf.set_backend, "gpu")
assert(not ok and err:find("unknown backend 'gpu'", 1, true) and err:find("'native', 'interp'"),
       err)
assert(mf.backend() == "native")
mf.set_backend("auto")
assert(mf.backend() == "auto")
print("backend: interp and native agree within " .. worst)
