-- expect: modelfit: error: missing_bound.lua:10: the parameter 'El' has no bounds
local mf = require "modelfit"
local u = mf.units
local model = [[
dv/dt = (El - v + R*I)/tau : volt
tau : second (constant)
El : volt (constant)]]
local f = mf.TraceFitter{model = model, constants = {R = 1 * u.Gohm}, dt = 0.1 * u.ms,
                         input = {I = mf.zeros(1, 10, u.nA)}, output = {v = mf.zeros(1, 10, u.mV)}}
f:fit{optimizer = mf.optimizer("de"), params = {tau = {1 * u.ms, 10 * u.ms}}}
