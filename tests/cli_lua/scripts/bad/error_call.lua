-- expect: modelfit: error: error_call.lua:5: the script says no
local mf = require "modelfit"
local function check(x)
    if not x then
        error("the script says no")
    end
end
check(false)
