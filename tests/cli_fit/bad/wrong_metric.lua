-- expect: modelfit: error: wrong_metric.lua:9: metric 'gamma' compares spike trains
local mf = require "modelfit"
local u = mf.units
local f = mf.OnlineTraceFitter{model = "dv/dt = (El - v + R*I)/tau : volt\ntau : second (constant)",
                               constants = {El = -70 * u.mV, R = 1 * u.Gohm},
                               input = {I = mf.zeros(1, 10, u.nA)},
                               output = {v = mf.zeros(1, 10, u.mV)}, dt = 0.1 * u.ms}
local gamma = mf.metric("gamma", {delta = 2 * u.ms})
f:fit{optimizer = mf.optimizer("de"), metric = gamma, params = {tau = {1 * u.ms, 10 * u.ms}}}
