-- expect: modelfit: error: bad_option.lua:4: 
-- expect: 'sed'
local mf = require "modelfit"
local opt = mf.optimizer("de", {sed = 1})
