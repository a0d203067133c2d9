-- expect: modelfit: error: syntax.lua:5: 
-- expect: near '='
local mf = require "modelfit"
local x = 1
local y = = 2
