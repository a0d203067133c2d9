-- expect: modelfit: error: bad_quantity.lua:4: 
-- expect: unknown name 'foo'
local mf = require "modelfit"
local dt = mf.quantity("0.01*foo")
