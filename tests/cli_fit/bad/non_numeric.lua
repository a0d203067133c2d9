-- expect: modelfit: error: non_numeric.lua:4: non_numeric.csv:2:
local mf = require "modelfit"
local u = mf.units
local output = mf.read_csv("non_numeric.csv") * u.mV
