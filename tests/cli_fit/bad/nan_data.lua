-- expect: modelfit: error: nan_data.lua:7:
-- expect: output v: trace 1, step 2 (t = 2*dt) is NaN
local mf = require "modelfit"
local u = mf.units
local input = mf.read_csv("input.csv") * u.amp
local output = mf.read_csv("nan_output.csv") * u.mV
mf.TraceFitter{model = "dv/dt = (El - v + R*I)/tau : volt\ntau : second (constant)",
               constants = {El = -70 * u.mV, R = 1 * u.Gohm}, input = {I = input},
               output = {v = output}, dt = 0.1 * u.ms}
