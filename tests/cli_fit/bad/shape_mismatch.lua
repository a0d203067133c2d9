-- expect: modelfit: error: shape_mismatch.lua:6:
local mf = require "modelfit"
local u = mf.units
local input = mf.zeros(2, 100, u.nA)
local output = mf.zeros(3, 100, u.mV) -- 3 target traces for 2 inputs
mf.TraceFitter{model = "dv/dt = (El - v + R*I)/tau : volt\ntau : second (constant)",
               constants = {El = -70 * u.mV, R = 1 * u.Gohm}, input = {I = input},
               output = {v = output}, dt = 0.1 * u.ms}
