-- expect: modelfit: error: (error object is a table value)
-- An error object whose __tostring itself raises: still one line, no panic.
error(setmetatable({}, {__tostring = function() error("no text either") end}))
