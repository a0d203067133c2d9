-- expect: modelfit: error: unit_error.lua:5: 
-- expect: cannot add 1 mV (unit V) and 2 nA (unit A)
local mf = require "modelfit"
local u = mf.units
local bad = 1 * u.mV + 2 * u.nA
