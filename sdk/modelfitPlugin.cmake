# modelfit_add_plugin(NAME SOURCES...): builds NAME.so, a modelfit plugin:
# a MODULE library without the "lib" prefix, compiled against modelfit::sdk
# (the header only) with hidden visibility, so that mf_plugin_entry is its
# only exported symbol. Install it with
#   install(TARGETS NAME LIBRARY DESTINATION ${modelfit_PLUGIN_DIR})
# or point MODELFIT_PLUGIN_PATH at the build directory.
function(modelfit_add_plugin name)
  add_library(${name} MODULE ${ARGN})
  set_target_properties(${name} PROPERTIES PREFIX "" C_VISIBILITY_PRESET hidden
                                           C_STANDARD 11 C_STANDARD_REQUIRED ON)
  target_link_libraries(${name} PRIVATE modelfit::sdk)
  if(NOT WIN32 AND NOT APPLE)
    target_link_libraries(${name} PRIVATE m)
  endif()
endfunction()
