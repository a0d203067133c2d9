-- expect: modelfit: error: bad_data.lua:4: ragged.csv:2:
-- expect: row 2 has 2 values
local mf = require "modelfit"
local a = mf.read_csv("ragged.csv")
