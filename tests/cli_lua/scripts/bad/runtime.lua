-- expect: modelfit: error: runtime.lua:6: 
-- expect: attempt to perform arithmetic on a nil value (field 'missing')
local mf = require "modelfit"
local u = mf.units
local t = {}
print(t.missing + 1)
