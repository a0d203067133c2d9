-- expect: modelfit: error: nil_quantity.lua:6: 
-- expect: cannot add a quantity and a nil
local mf = require "modelfit"
local u = mf.units
local t = {}
print(t.missing + 1 * u.mV)
