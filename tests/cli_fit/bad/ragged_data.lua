-- expect: modelfit: error: ragged_data.lua:4: ragged.csv:2:
-- expect: row 2 has 2 values, row 1 has 3
local mf = require "modelfit"
local output = mf.read_csv("ragged.csv") * mf.units.mV
