-- expect: modelfit: error: bound_unit.lua:9: fitter:fit: params.tau
-- expect: mV
local mf = require "modelfit"
local u = mf.units
local f = mf.TraceFitter{model = "dv/dt = (El - v + R*I)/tau : volt\ntau : second (constant)",
                         constants = {El = -70 * u.mV, R = 1 * u.Gohm},
                         input = {I = mf.zeros(1, 10, u.nA)}, output = {v = mf.zeros(1, 10, u.mV)},
                         dt = 0.1 * u.ms}
f:fit{optimizer = mf.optimizer("de"), params = {tau = {1 * u.mV, 10 * u.mV}}}
