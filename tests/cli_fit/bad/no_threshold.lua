-- expect: modelfit: error: no_threshold.lua:5:
-- expect: threshold
local mf = require "modelfit"
local u = mf.units
mf.SpikeFitter{model = "dv/dt = (El - v + R*I)/tau : volt\ntau : second (constant)",
               constants = {El = -70 * u.mV, R = 1 * u.Gohm}, input = {I = mf.zeros(1, 10, u.nA)},
               output = {{1 * u.ms}}, dt = 0.1 * u.ms}
