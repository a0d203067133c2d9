-- expect: modelfit: error: (error object is a table value)
error({})
