-- expect: modelfit: error: gc_by_hand.lua:17: attempt to call a nil value
-- getmetatable hides the host's metatables, so a script cannot free an
-- optimizer a fitter still uses by calling its __gc (a use after free).
local mf = require "modelfit"
local u = mf.units
local opt = mf.optimizer("random", {seed = 1})
assert(getmetatable(opt) == "modelfit.optimizer", tostring(getmetatable(opt)))
assert(getmetatable(mf.metric("mse")) == "modelfit.metric")
assert(getmetatable(u.mV) == "modelfit.quantity")
assert(getmetatable(mf.zeros(1, 1)) == "modelfit.array")
assert(getmetatable(mf.zeros(1, 1)[1]) == "modelfit.row")
assert(getmetatable(mf.progress{total = 1}) == "modelfit.progress")
local fitter = mf.TraceFitter{model = "dv/dt = (I*ohm - v)/tau : volt\ntau : second (constant)",
                              input = {I = mf.zeros(1, 5, u.amp)}, dt = 0.1 * u.ms,
                              output = {v = mf.zeros(1, 5, u.mV)}}
assert(getmetatable(fitter) == "modelfit.fitter")
getmetatable(opt).__gc(opt)
