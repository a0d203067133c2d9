-- expect: modelfit: error: model_units.lua:8: model:1:
-- expect: cannot add '(El - v)/tau' (unit V/s) and 'I' (unit A)
local mf = require "modelfit"
local u = mf.units
local input = mf.array({{0, 1, 1, 0}}) * u.nA
local output = mf.array({{0, 0, 0, 0}}) * u.mV
-- I is a current: "+ I" in a voltage derivative is a unit error.
mf.TraceFitter{model = "dv/dt = (El - v)/tau + I : volt\ntau : second (constant)",
               constants = {El = -70 * u.mV}, input = {I = input}, output = {v = output},
               dt = 0.1 * u.ms}
